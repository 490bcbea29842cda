'use client';
// The navigation on narrow screens: a menu button in the header opens it as a drawer from the left. Radix keeps
// focus inside while it is open and gives it back to the button, Escape and the overlay close it, and following
// a link closes it.
import * as D from '@radix-ui/react-dialog';
import { Menu, X } from 'lucide-react';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Nav } from './nav';

export function MobileNav() {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  // A navigation that did not come from a link in the drawer (back button, a redirect) closes it too.
  useEffect(() => setOpen(false), [pathname]);
  return (
    <D.Root open={open} onOpenChange={setOpen}>
      <D.Trigger className="inline-flex h-9 w-9 items-center justify-center rounded-md text-fg hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none md:hidden" aria-label="Menu">
        <Menu className="h-5 w-5" aria-hidden />
      </D.Trigger>
      <D.Portal>
        <D.Overlay className="fixed inset-0 z-40 bg-black/40 md:hidden" />
        <D.Content className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] overflow-y-auto border-r border-border bg-card shadow-xl focus:outline-none md:hidden">
          <D.Title className="sr-only">Navigation</D.Title>
          <D.Description className="sr-only">The sections of the console</D.Description>
          <D.Close className="absolute top-3 right-3 rounded-md p-1.5 text-muted-fg hover:bg-muted" aria-label="Close menu">
            <X className="h-4 w-4" aria-hidden />
          </D.Close>
          <Nav onNavigate={() => setOpen(false)} />
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}
