// Tabs as links: each view has its own URL, so a diff or a version can be shared and the back button works.
import Link from 'next/link';
import { cn } from './cn';

export function TabLinks({ label, items }: { label: string; items: { href: string; label: string; current: boolean }[] }) {
  return (
    <nav aria-label={label} className="mb-4 flex gap-1 overflow-x-auto border-b border-border">
      {items.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          scroll={false}
          aria-current={t.current ? 'page' : undefined}
          className={cn(
            '-mb-px border-b-2 px-3 py-2 text-sm whitespace-nowrap text-muted-fg hover:text-fg focus-visible:outline-2 focus-visible:outline-ring',
            t.current ? 'border-primary font-medium text-fg' : 'border-transparent',
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
