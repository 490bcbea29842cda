'use client';
// The signed-in user as the UI sees it, and `useCan(scope)`: the same scope table the server enforces.
import { createContext, useContext, type ReactNode } from 'react';
import { can, type Role, type Scope } from '@/server/auth/permissions';

export interface Viewer {
  userId: string;
  email: string;
  name: string;
  role: Role;
}

const ViewerContext = createContext<Viewer | null>(null);

export function ViewerProvider({ viewer, children }: { viewer: Viewer; children: ReactNode }) {
  return <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>;
}

export function useViewer(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer outside the signed-in console');
  return v;
}

export function useCan(scope: Scope): boolean {
  return can(useViewer().role, scope);
}
