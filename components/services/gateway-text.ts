// Where applications reach an environment through the gateway, and the browser's origin to build it from.
import { useSyncExternalStore } from 'react';

export function gatewayBaseUrl(origin: string, service: string, environment: string): string {
  return `${origin}/gw/${service}/${environment}/v1`;
}

const noSubscription = () => () => {};

/** The console's origin (the gateway is served by the same process); empty while rendering on the server. */
export function useOrigin(): string {
  return useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => '',
  );
}
