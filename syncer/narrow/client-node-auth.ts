// What @kubernetes/client-node's config module (KubeConfig) takes from its OIDC, Azure and
// GCP auth-provider modules, loaded only for a kubeconfig user that names an auth provider:
// the `syncer` command resolves config.js's imports of those three modules to this one
// (hooks.ts). KubeConfig makes one of each at construction and asks each, on every call,
// whether the current user is its kind. The OIDC module alone brings openid-client,
// oauth4webapi and part of jose, the other two jsonpath-plus: ~0.4 MB of source an in-cluster
// syncer (a service account token) never runs.
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
import type { User } from '@kubernetes/client-node/dist/config_types.js';
import { loadLater } from './load-later.js';

type AuthenticatorClass = new () => Authenticator;

function deferred(file: string, name: string): AuthenticatorClass {
  const load = loadLater<Record<string, AuthenticatorClass>>(
    `@kubernetes/client-node/dist/${file}`,
  );
  return class implements Authenticator {
    #real: Authenticator | undefined;

    #authenticator(): Authenticator {
      return (this.#real ??= new (load()[name] as AuthenticatorClass)());
    }

    // Each of the three answers no, without looking further, for a user with no auth
    // provider (stand-ins.test.ts asks the real ones), so their code is not needed for that.
    isAuthProvider(user: User): boolean {
      if (!user?.authProvider) return false;
      return this.#authenticator().isAuthProvider(user);
    }

    applyAuthentication(user: User, ...rest: unknown[]): Promise<void> {
      const real = this.#authenticator() as Authenticator & {
        applyAuthentication(user: User, ...rest: unknown[]): Promise<void>;
      };
      return real.applyAuthentication(user, ...rest);
    }
  };
}

export const OpenIDConnectAuth = deferred('oidc_auth.js', 'OpenIDConnectAuth');
export const AzureAuth = deferred('azure_auth.js', 'AzureAuth');
export const GoogleCloudPlatformAuth = deferred('gcp_auth.js', 'GoogleCloudPlatformAuth');
