'use client';
// The console's navigation (the side bar on wide screens, the menu drawer on phones); the current section is marked
// for screen readers too. Approvals shows how many requests are pending.
import { useQuery } from '@tanstack/react-query';
import { Activity, BellRing, CheckCircle2, Cpu, FileText, FlaskConical, GitBranch, Layers, LayoutDashboard, Rocket, ScrollText, Server, Settings } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useTRPC } from '@/components/trpc';
import { cn } from '@/components/ui/cn';

/** The same query as the inbox's Pending tab, so both share one answer. */
export const PENDING_APPROVALS = { status: 'pending', limit: 100 } as const;
const PENDING_REFRESH_MS = 30_000;

export const NAV = [
  { href: '/', label: 'Overview', icon: LayoutDashboard },
  { href: '/services', label: 'Services', icon: Server },
  { href: '/models', label: 'Models', icon: Cpu },
  { href: '/prompts', label: 'Prompts', icon: FileText },
  { href: '/releases', label: 'Releases', icon: Layers },
  { href: '/pipelines', label: 'Pipelines', icon: GitBranch },
  { href: '/evals', label: 'Evals', icon: FlaskConical },
  { href: '/approvals', label: 'Approvals', icon: CheckCircle2 },
  { href: '/monitoring', label: 'Monitoring', icon: Activity },
  { href: '/alerts', label: 'Alerts', icon: BellRing },
  { href: '/audit', label: 'Audit', icon: ScrollText },
  { href: '/settings', label: 'Settings', icon: Settings },
] as const;

const isCurrent = (pathname: string, href: string) => pathname === href || (href !== '/' && pathname.startsWith(`${href}/`));

/** `onNavigate`: called when a link is followed (the drawer closes, even on a link to the page already shown). */
export function Nav({ onNavigate }: { onNavigate?: () => void } = {}) {
  const pathname = usePathname();
  const trpc = useTRPC();
  const pending = useQuery(trpc.approvals.list.queryOptions(PENDING_APPROVALS, { refetchInterval: PENDING_REFRESH_MS }));
  const pendingCount = pending.data?.length ?? 0;
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5 p-3">
      <Link href="/" onClick={onNavigate} className="mb-4 flex items-center gap-2 px-2 py-1 text-lg font-semibold tracking-tight">
        <Rocket className="h-5 w-5 text-primary" aria-hidden />
        Slipway
      </Link>
      {NAV.map(({ href, label, icon: Icon }) => {
        const active = isCurrent(pathname, href);
        return (
          <Link
            key={href}
            href={href}
            aria-current={active ? 'page' : undefined}
            onClick={onNavigate}
            className={cn('flex items-center gap-2.5 rounded-md px-2 py-1.5 text-sm text-muted-fg hover:bg-muted hover:text-fg', active && 'bg-muted font-medium text-fg')}
          >
            <Icon className="h-4 w-4" aria-hidden />
            {label}
            {href === '/approvals' && pendingCount ? (
              <span className="ml-auto rounded-full bg-warning/15 px-1.5 text-xs font-medium text-warning tabular-nums" title={`${pendingCount} pending approval request${pendingCount === 1 ? '' : 's'}`}>
                {pendingCount >= PENDING_APPROVALS.limit ? `${PENDING_APPROVALS.limit}+` : pendingCount}
                <span className="sr-only"> pending</span>
              </span>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
