// A real, certified OpenID Provider (the npm package oidc-provider) for authfort's
// federation tests. Started as its own process by tests/authfort_django/federation/conftest.py:
//
//   node server.js            env: PORT (loopback port), CLIENTS (JSON list of clients)
//
// Sign-in goes through oidc-provider's own login and consent pages (devInteractions):
// any login name is accepted, and the account's claims are those the test set for that
// name with POST /__test/accounts. A few /__test/* endpoints let a test steer the
// provider the way an operator would; they are not part of any OpenID protocol:
//
//   GET  /__test/health                   200 once the provider serves
//   POST /__test/accounts {id, claims}    the claims findAccount returns for `id`
//   POST /__test/rotate                   a new signing key (new kid); the old one is unpublished
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.CLIENTS || '[]');
const accounts = new Map();

function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

// Sessions, grants and codes outlive a key rotation: the default memory adapter keeps
// them in one store for every Provider instance of this process.
function newProvider(signingKey) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    // ID tokens carry the scope's claims (email), as Google's do, so a native app's
    // ID token is enough to sign in with.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['authfort-test-provider-cookie-key'] },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...(accounts.get(id) || {}) };
        },
      };
    },
  });
  return provider;
}

let current = newProvider(newSigningKey());

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try { resolve(body ? JSON.parse(body) : {}); } catch (error) { reject(error); }
    });
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function control(req, res) {
  if (req.method === 'GET' && req.url === '/__test/health') return answer(res, 200, { ok: true });
  if (req.method === 'POST' && req.url === '/__test/accounts') {
    const { id, claims } = await readJson(req);
    accounts.set(String(id), claims || {});
    return answer(res, 200, { ok: true });
  }
  if (req.method === 'POST' && req.url === '/__test/rotate') {
    const key = newSigningKey();
    current = newProvider(key);
    return answer(res, 200, { kid: key.kid });
  }
  return answer(res, 404, { error: 'not_found' });
}

http.createServer((req, res) => {
  if (req.url.startsWith('/__test/')) {
    control(req, res).catch((error) => answer(res, 500, { error: String(error) }));
    return;
  }
  current.callback()(req, res);
}).listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
