// Where a detail page sits: Services / support-bot / production. The last crumb is the current page.
import { ChevronRight } from 'lucide-react';
import Link from 'next/link';
import { Fragment } from 'react';

export function Breadcrumbs({ items }: { items: { href?: string; label: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-fg">
      <ol className="flex flex-wrap items-center gap-1">
        {items.map((c, i) => (
          <Fragment key={`${c.label}-${i}`}>
            {i > 0 ? <ChevronRight className="h-3.5 w-3.5" aria-hidden /> : null}
            <li>
              {c.href && i < items.length - 1 ? (
                <Link href={c.href} className="hover:text-fg hover:underline">
                  {c.label}
                </Link>
              ) : (
                <span aria-current={i === items.length - 1 ? 'page' : undefined}>{c.label}</span>
              )}
            </li>
          </Fragment>
        ))}
      </ol>
    </nav>
  );
}
