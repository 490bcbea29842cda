// next-auth configuration: local email + password accounts, plus GitHub and a generic OIDC provider when
// configured. Sessions are JWT cookies carrying only the user id; role and enabled state are read from the
// database on every request, so a demotion or a disabled account takes effect at once.
import type { AuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GitHubProvider from 'next-auth/providers/github';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { logger } from '@/server/logger';
import { getRuntime, type Runtime } from '@/server/runtime';
import { attemptPasswordSignIn, signInWithOAuth } from '@/server/services/users/sign-in';
import { findUserByEmail } from '@/server/services/users/shared';
import { callbackPath } from './callback-url';
import { CLIENT_IP_HEADER, normalizeIp } from './client-ip';

const SESSION_MAX_AGE_S = 12 * 3600;
/** The error code of a throttled password sign-in (the sign-in page says to try again later). */
export const THROTTLED_ERROR = 'TooManyAttempts';

type OidcProfile = { sub: string; email?: string; email_verified?: boolean; name?: string; preferred_username?: string };

function systemCtx(rt: Runtime) {
  return { actor: { kind: 'system' as const, job: 'sign-in' }, db: rt.database.db, requestId: null };
}

export function oauthProviders(rt: Runtime): { id: string; name: string }[] {
  const e = rt.env;
  return [
    ...(e.GITHUB_CLIENT_ID ? [{ id: 'github', name: 'GitHub' }] : []),
    ...(e.OIDC_ISSUER ? [{ id: 'oidc', name: e.OIDC_NAME }] : []),
  ];
}

let cached: { rt: Runtime; options: AuthOptions } | undefined;

export async function authOptions(): Promise<AuthOptions> {
  const rt = await getRuntime();
  if (cached?.rt === rt) return cached.options;
  const e = rt.env;
  const providers: AuthOptions['providers'] = [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const email = credentials?.email?.trim().toLowerCase() ?? '';
        const password = credentials?.password ?? '';
        if (!email || !password) return null;
        // Set by the custom server from the socket (and X-Forwarded-For only as SLIPWAY_TRUST_PROXY allows).
        const header = (req.headers as Record<string, string | undefined> | undefined)?.[CLIENT_IP_HEADER];
        const ip = (header && normalizeIp(header)) || 'unknown';
        const result = await attemptPasswordSignIn(systemCtx(rt), { email, password, ip });
        if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name };
        // next-auth answers a thrown error with ?error=<message>; a wrong password with CredentialsSignin.
        if (result.reason === 'throttled') throw new Error(THROTTLED_ERROR);
        return null;
      },
    }),
  ];
  if (e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET) {
    providers.push(GitHubProvider({ clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET }));
  }
  if (e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET) {
    const oidc: OAuthConfig<OidcProfile> = {
      id: 'oidc',
      name: e.OIDC_NAME,
      type: 'oauth',
      wellKnown: `${e.OIDC_ISSUER.replace(/\/+$/, '')}/.well-known/openid-configuration`,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: 'openid email profile' } },
      idToken: true,
      checks: ['pkce', 'state'],
      // Accounts are matched by email, so only an email the provider says it verified may sign anyone in.
      profile: (p) => ({ id: p.sub, email: p.email_verified === true ? (p.email ?? null) : null, name: p.name ?? p.preferred_username ?? null }),
    };
    providers.push(oidc);
  }

  const options: AuthOptions = {
    providers,
    secret: rt.authSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/sign-in', error: '/sign-in' },
    logger: {
      error: (code) => logger.warn({ code }, 'sign-in error'),
      warn: () => undefined,
      debug: () => undefined,
    },
    callbacks: {
      // Only this origin's paths are followed after sign-in or sign-out, whatever callbackUrl was sent.
      redirect({ url, baseUrl }) {
        return `${baseUrl.replace(/\/+$/, '')}${callbackPath(url, baseUrl)}`;
      },
      async signIn({ user, account }) {
        if (!account || account.provider === 'credentials') return true;
        if (!user.email) return false;
        const u = await signInWithOAuth(systemCtx(rt), { email: user.email, name: user.name, provider: account.provider, defaultRole: e.SLIPWAY_OAUTH_DEFAULT_ROLE });
        return Boolean(u);
      },
      async jwt({ token, user, account }) {
        if (user && account) {
          // For OAuth the provider's id is not ours: map by email onto the Slipway account.
          const id = account.provider === 'credentials' ? user.id : (await findUserByEmail(rt.database.db, user.email ?? ''))?.id;
          if (id) token.sub = id;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
  };
  cached = { rt, options };
  return options;
}
