// The transcript, virtualized: only the rows on screen exist in the DOM, each measured after it
// renders, so a 50,000-item thread opens and scrolls like a short one. It follows the end while
// the reader is at the end, and stays put when they scrolled up to read.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { TranscriptItem } from '../../shared/contracts/thread';
import { Item } from './Item';

export interface TranscriptProps {
  items: readonly TranscriptItem[];
  canAnswer: boolean;
  onRespond: (requestId: string, decision: 'allow' | 'deny' | 'always') => void;
}

export function Transcript({ items, canAnswer, onRespond }: TranscriptProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  // Decisions are separate items; fold them onto their cards, and leave them out of the rows.
  const { rows, decisions } = useMemo(() => {
    const decisions = new Map<string, 'allow' | 'deny' | 'always'>();
    const rows: TranscriptItem[] = [];
    for (const i of items) {
      if (i.type === 'approval_decision') decisions.set(i.requestId, i.decision);
      else rows.push(i);
    }
    return { rows, decisions };
  }, [items]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 6,
    getItemKey: (i) => rows[i]!.id,
  });

  useLayoutEffect(() => {
    if (atEnd.current && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows, virtualizer]);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div
      ref={scrollRef}
      className="transcript"
      role="log"
      aria-label="Transcript"
      tabIndex={0}
      data-count={rows.length}
      onKeyDown={(e) => {
        // Row heights are measured as rows appear, so the native Home/End would land on an
        // estimate; the virtualizer knows where each item is.
        if (e.target !== e.currentTarget || rows.length === 0) return;
        if (e.key === 'Home' || e.key === 'End') {
          e.preventDefault();
          atEnd.current = e.key === 'End';
          virtualizer.scrollToIndex(e.key === 'End' ? rows.length - 1 : 0, { align: e.key === 'End' ? 'end' : 'start' });
        }
      }}
    >
      {rows.length === 0 && <p className="muted pad">No messages yet. Write below to start a turn.</p>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = rows[v.index]!;
          return (
            <div
              key={v.key}
              data-index={v.index}
              ref={virtualizer.measureElement}
              className="row"
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${v.start}px)` }}
            >
              <Item item={item} decision={item.type === 'approval_request' ? decisions.get(item.requestId) : undefined} canAnswer={canAnswer} onRespond={onRespond} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
