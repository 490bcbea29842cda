'use client';
// A button that copies a text to the clipboard and says so. Plain-HTTP origins other than localhost have no
// Clipboard API, so it falls back to the older selection-based copy there.
import { Check, Copy, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from './button';

async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // denied: try the fallback below
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}

export function CopyButton({ text, label, size = 'icon' }: { text: string; label: string; size?: 'icon' | 'sm' }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <>
      <Button variant="secondary" size={size} className={size === 'sm' ? 'h-8 w-8 px-0' : undefined} aria-label={label} title={label} onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}>
        {state === 'copied' ? <Check className="h-4 w-4 text-success" aria-hidden /> : state === 'failed' ? <X className="h-4 w-4 text-danger" aria-hidden /> : <Copy className="h-4 w-4" aria-hidden />}
      </Button>
      <span role="status" className="sr-only">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'Could not copy; select the text and copy it.' : ''}
      </span>
    </>
  );
}
