'use client';
// Client-side providers for every page: theme and the tRPC/TanStack Query client.
import { ThemeProvider } from 'next-themes';
import type { ReactNode } from 'react';
import { TRPCReactProvider } from './trpc';

export function Providers({ children }: { children: ReactNode }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <TRPCReactProvider>{children}</TRPCReactProvider>
    </ThemeProvider>
  );
}
