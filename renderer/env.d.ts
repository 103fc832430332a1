// Vite turns `import './styles.css'` into a stylesheet link in the built page.
declare module '*.css';
