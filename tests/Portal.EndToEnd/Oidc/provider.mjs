// A real OpenID Connect provider (node-oidc-provider) for the portal's end-to-end tests.
//
// Listens on 127.0.0.1 at a port the OS picks and prints one line, {"issuer":"http://127.0.0.1:<port>"},
// once it answers. Exits when its stdin closes, so a test host that dies leaves no provider behind.
//
// Userinfo always answers an account's claims (email, email_verified, name, groups). Its ID tokens
// carry nothing but `sub` ("userinfo-only", as the spec allows) unless the account asks for the
// claims there as well, as many IdPs do.
//
// Tests drive accounts over plain HTTP (never part of OpenID Connect):
//   PUT /test/accounts/<id>  {"claims": {"email": "...", "groups": [...]}, "alsoInIdToken": false}
//   GET /test/accounts/<id>  → {"claims": {...}, "alsoInIdToken": false, "uses": ["id_token", "userinfo", ...]}
// The devInteractions login page accepts any password for a login that is a known account id.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = new Map(); // id → { claims, alsoInIdToken, uses }

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.OIDC_CLIENT_ID ?? 'portal',
      client_secret: process.env.OIDC_CLIENT_SECRET ?? 'portal-test-secret',
      // A native client's loopback redirect URI matches on any port (RFC 8252 §7.3): each test's
      // portal listens on a port of its own, and every one of them may sign in here.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/account/oidc-callback'],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    cookies: { keys: ['portal-e2e-oidc-cookie-key'] },
    // Scope claims go into the ID token too whenever claims() returns them there (see above).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims(use) {
          account.uses.push(use);
          return use === 'id_token' && !account.alsoInIdToken ? { sub: id } : { sub: id, ...account.claims };
        },
      };
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('server_error', error));
  const oidc = provider.callback();
  server.on('request', (req, res) => (req.url.startsWith('/test/') ? control(req, res) : oidc(req, res)));
  console.log(JSON.stringify({ issuer }));
});

async function control(req, res) {
  const match = /^\/test\/accounts\/([^/?]+)$/.exec(req.url);
  if (!match) return reply(res, 404, { error: 'unknown test route' });
  const id = decodeURIComponent(match[1]);
  if (req.method === 'PUT') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { claims, alsoInIdToken } = JSON.parse(body);
    accounts.set(id, { claims, alsoInIdToken: alsoInIdToken === true, uses: accounts.get(id)?.uses ?? [] });
    return reply(res, 204);
  }
  const account = accounts.get(id);
  return account ? reply(res, 200, account) : reply(res, 404, { error: `no account ${id}` });
}

function reply(res, status, body) {
  res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
  res.end(body ? JSON.stringify(body) : undefined);
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
