// The signed-in console: navigation (a side bar, or a menu button on phones), user menu, and the viewer's role for
// role-aware components.
import { Rocket } from 'lucide-react';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { MobileNav } from '@/components/shell/mobile-nav';
import { Nav } from '@/components/shell/nav';
import { UserMenu } from '@/components/shell/user-menu';
import { ViewerProvider } from '@/components/viewer';
import { currentUser } from '@/server/auth/request';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect('/sign-in');
  return (
    <ViewerProvider viewer={{ userId: user.userId, email: user.email, name: user.name, role: user.role }}>
      <div className="flex min-h-screen">
        <aside className="hidden w-56 shrink-0 border-r border-border bg-card md:block">
          <div className="sticky top-0 max-h-screen overflow-y-auto">
            <Nav />
          </div>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex h-14 items-center gap-2 border-b border-border bg-card px-3 sm:px-6">
            <MobileNav />
            <Link href="/" className="flex items-center gap-1.5 font-semibold tracking-tight md:hidden">
              <Rocket className="h-4 w-4 text-primary" aria-hidden />
              Slipway
            </Link>
            <div className="ml-auto">
              <UserMenu />
            </div>
          </header>
          <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:px-6 sm:py-8">{children}</main>
        </div>
      </div>
    </ViewerProvider>
  );
}
