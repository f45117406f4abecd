// panva's oidc-provider (an OpenID Certified implementation) on 127.0.0.1, for the e2e tests of single sign-on.
// Run by tests/support/real_oidc.py: `node provider.js <config.json>`; prints "ready <issuer>" once listening.
// config.json: {port, client: {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//               accounts: {<login at the provider>: {email, email_verified}}}
// Everything else is the provider's own default: e-mail only from the userinfo endpoint (not in the ID token),
// prompt values "login", "consent", "none" only (no "select_account"), its own login and sign-out pages.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [{ token_endpoint_auth_method: 'client_secret_basic', ...config.client }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['e2e-only-cookie-key-0123456789abcdef'] },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, name: id, ...account }; } };
  },
  // a first-party client: no consent screen (the district's own provider grants the app its scopes)
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

provider.listen(config.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
