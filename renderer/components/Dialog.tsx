// A modal dialog: labelled, focus moved inside on open and returned on close, Escape cancels,
// Tab stays inside.
import { useEffect, useRef, type ReactNode } from 'react';

export function Dialog({ title, onCancel, children, describedBy }: { title: string; onCancel: () => void; children: ReactNode; describedBy?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('[data-autofocus], input, button:not([disabled])');
    first?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Tab' && ref.current) {
      const f = [...ref.current.querySelectorAll<HTMLElement>('button:not([disabled]), input, select, textarea, [tabindex="0"]')];
      if (f.length === 0) return;
      const i = f.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && i <= 0) {
        e.preventDefault();
        f[f.length - 1]!.focus();
      } else if (!e.shiftKey && i === f.length - 1) {
        e.preventDefault();
        f[0]!.focus();
      }
    }
  };
  return (
    <div className="backdrop">
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-label={title} aria-describedby={describedBy} onKeyDown={onKeyDown}>
        <h2 className="dialog-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
