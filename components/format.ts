// Display formats shared by tables.
export function formatTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function relativeTime(d: Date | null | undefined, now = Date.now()): string {
  if (!d) return 'never';
  const s = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const [v, unit] = abs < 60 ? [abs, 'second'] : abs < 3600 ? [Math.round(abs / 60), 'minute'] : abs < 86400 ? [Math.round(abs / 3600), 'hour'] : [Math.round(abs / 86400), 'day'];
  const text = `${v} ${unit}${v === 1 ? '' : 's'}`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}
