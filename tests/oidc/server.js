// A real OpenID Connect provider for Rollout's single sign-on tests (tests/identity/).
//
// The certified `oidc-provider` package with one confidential client, PKCE required, and its
// development login and consent pages. Everything comes from the environment, set by the pytest
// fixture that starts this server:
//
//   OIDC_PORT            port on 127.0.0.1
//   OIDC_CLIENT_ID       the test client's id ...
//   OIDC_CLIENT_SECRET   ... and secret
//   OIDC_REDIRECT_URI    its redirect URI (Rollout's callback under the live server)
//   OIDC_OTHER_CLIENT_ID, OIDC_OTHER_CLIENT_SECRET   a second application (same redirect URI)
//   OIDC_ID_TOKEN_TTL    seconds an ID token lives (default 3600; the expiry test uses a short one)
//
// The login page takes an account id ("alice", "bob", ...) and any password. An account id that is
// an email address signs in as that address, verified; the accounts below cover the other cases.
import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  alice: { email: 'alice@acme.example', email_verified: true, name: 'Alice Acme' },
  bob: { email: 'bob@elsewhere.example', email_verified: true, name: 'Bob Elsewhere' },
  mallory: { email: 'mallory@acme.example', email_verified: false, name: 'Mallory Unverified' },
  noemail: { name: 'No Email' },
};

function claimsOf(accountId) {
  if (ACCOUNTS[accountId]) return ACCOUNTS[accountId];
  if (accountId.includes('@')) return { email: accountId.toLowerCase(), email_verified: true };
  return undefined;
}

const configuration = {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    // Another application at the same provider, for the "token for another client" test.
    {
      client_id: env('OIDC_OTHER_CLIENT_ID', 'another-app'),
      client_secret: env('OIDC_OTHER_CLIENT_SECRET', 'another-app-secret'),
      redirect_uris: [env('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  // Every client must send a PKCE code challenge, not only public ones.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: Number(env('OIDC_ID_TOKEN_TTL', '3600')) },
  cookies: { keys: ['rollout-test-oidc-cookie-key'] },
  async findAccount(ctx, sub) {
    const claims = claimsOf(sub);
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
};

const provider = new Provider(issuer, configuration);
// The development pages warn on every start; the tests read the server's output only on failure.
provider.on('server_error', (ctx, error) => console.error('server_error', error));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
