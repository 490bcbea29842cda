// next-auth's sign-in, callback, session and sign-out endpoints.
import NextAuth from 'next-auth';
import { authOptions } from '@/server/auth/next-auth';

export const dynamic = 'force-dynamic';

async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(await authOptions())(req, ctx) as Promise<Response>;
}

export { handler as GET, handler as POST };
