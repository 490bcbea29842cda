'use client';
// The console's side navigation; the current section is marked for screen readers too.
import { Activity, CheckCircle2, Cpu, FileText, GitBranch, Layers, Rocket, ScrollText, Server, Settings } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

export const NAV = [
  { href: '/services', label: 'Services', icon: Server },
  { href: '/models', label: 'Models', icon: Cpu },
  { href: '/prompts', label: 'Prompts', icon: FileText },
  { href: '/releases', label: 'Releases', icon: Layers },
  { href: '/pipelines', label: 'Pipelines', icon: GitBranch },
  { href: '/approvals', label: 'Approvals', icon: CheckCircle2 },
  { href: '/monitoring', label: 'Monitoring', icon: Activity },
  { href: '/audit', label: 'Audit', icon: ScrollText },
  { href: '/settings', label: 'Settings', icon: Settings },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5 p-3">
      <Link href="/services" className="mb-4 flex items-center gap-2 px-2 py-1 text-lg font-semibold tracking-tight">
        <Rocket className="h-5 w-5 text-primary" aria-hidden />
        Slipway
      </Link>
      {NAV.map(({ href, label, icon: Icon }) => {
        const active = pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link
            key={href}
            href={href}
            aria-current={active ? 'page' : undefined}
            className={cn('flex items-center gap-2.5 rounded-md px-2 py-1.5 text-sm text-muted-fg hover:bg-muted hover:text-fg', active && 'bg-muted font-medium text-fg')}
          >
            <Icon className="h-4 w-4" aria-hidden />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
