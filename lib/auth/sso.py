"""Single sign-on (OpenID Connect): what the app accepts from a provider and what it says when the round trip
fails. No Streamlit here: the routes that use it are in ``lib/ui/web_session.py``; the setup is docs/sign-in.md.

- **The e-mail** comes from the ID token or, when the provider keeps it out of the ID token (a certified
  provider's default for the code flow), from its userinfo endpoint (``identity``).
- **Only a verified e-mail signs in** (``refusal``): ``email_verified`` must be true. Where people cannot set
  their own e-mail at the provider (a district's own directory that does not send the claim), the server's
  ``[sso] accept_unverified_email = ["<provider>"]`` (``default`` for the plain ``[auth]`` section) accepts it.
- **``prompt``**: Streamlit asks for ``select_account``, which not every provider supports; unless ``[auth]``
  sets ``client_kwargs.prompt``, it is sent only to a provider whose metadata lists it (``prompt_for``).
- **The provider's metadata** is checked when the server starts (``metadata_problems``): a Russian list naming
  what is missing.
- **Every failure** of the round trip ends on «Вход» with ``?sso=<code>``, and the page shows ``MESSAGES[code]``.
"""

from __future__ import annotations

from collections.abc import Mapping

HELP = "Сообщите ИТ-специалисту района (настройка описана в docs/sign-in.md)."
MESSAGES = {
    "down": "Служба единого входа сейчас не отвечает, вход через неё не начат. Попробуйте ещё раз через несколько минут "
            "или войдите по логину и паролю. Если не проходит и дальше — " + HELP[0].lower() + HELP[1:],
    "prompt": "Служба единого входа не приняла запрос приложения (параметр prompt), вход не выполнен. " + HELP,
    "denied": "Вход отменён на стороне службы единого входа. Чтобы войти, нажмите «Войти через единый вход» ещё раз.",
    "refused": "Служба единого входа отказала во входе, вход не выполнен. Подробности — в журнале сервера. " + HELP,
    "state": "Ответ службы единого входа устарел или уже был использован (например, после кнопки «Назад» или в другой "
             "вкладке), вход не выполнен. Нажмите «Войти через единый вход» ещё раз.",
    "token": "Ответ службы единого входа не прошёл проверку (код входа, подпись или одноразовое значение не подошли), "
             "вход не выполнен. Нажмите «Войти через единый вход» ещё раз; если повторяется — " + HELP[0].lower() + HELP[1:],
    "no_email": "Служба единого входа не сообщила адрес электронной почты, поэтому вход не выполнен. " + HELP,
    "unverified": "Адрес электронной почты не подтверждён в службе единого входа, поэтому по нему войти нельзя. "
                  "Подтвердите адрес в службе входа или войдите по логину и паролю.",
    "config": "Единый вход настроен не полностью (адрес возврата redirect_uri), вход не выполнен. " + HELP,
    "logout_unregistered": "Вы вышли из приложения, но служба единого входа не приняла адрес возврата приложения, "
                           "поэтому вход в самой службе остался открытым. Закройте браузер, чтобы выйти полностью. " + HELP,
}
SIGNED_OUT = "signed_out"
SIGNED_OUT_TEXT = "Вы вышли из системы и из службы единого входа."
SIGNED_OUT_APP = "signed_out_app"  # a provider without end_session_endpoint (Google, for one)
SIGNED_OUT_APP_TEXT = ("Вы вышли из системы. Служба единого входа не поддерживает выход по запросу приложения: чтобы выйти "
                       "и из неё, выйдите на её сайте или закройте браузер.")
# the errors of OpenID Connect Core 1.0 §3.1.2.6 and RFC 6749 §4.1.2.1 a person can cause or fix themselves
_DENIED = {"access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required"}


def error_code(error: str, description: str | None) -> str:
    """The code of an ``error`` the provider sent back to the callback."""
    if "prompt" in (description or "").lower():
        return "prompt"
    return "denied" if error in _DENIED else "refused"


def identity(id_token_claims: Mapping | None, userinfo: Mapping | None = None) -> dict:
    """Who signed in: the ID token's claims, with ``email`` and ``email_verified`` from the userinfo response when
    the ID token has no e-mail — only if both name the same subject (``sub``), as OpenID Connect Core §5.3.2 asks."""
    found = dict(id_token_claims or {})
    if found.get("email") or not userinfo:
        return found
    if userinfo.get("sub") is not None and str(userinfo.get("sub")) != str(found.get("sub")):
        return found
    for key in ("email", "email_verified", "name"):
        if key in userinfo and key not in found:
            found[key] = userinfo[key]
    return found


def refusal(found: Mapping, provider: str, accept_unverified: list | tuple | None = ()) -> str | None:
    """Why this identity cannot sign in (a ``MESSAGES`` code), or None."""
    if not str(found.get("email") or "").strip():
        return "no_email"
    verified = found.get("email_verified")
    if isinstance(verified, str):  # some providers send "true"
        verified = verified.strip().lower() == "true"
    if verified is not True and provider not in (accept_unverified or ()):
        return "unverified"
    return None


def prompt_for(configured: str | None, metadata: Mapping) -> str | None:
    """The ``prompt`` to send: the configured one; otherwise Streamlit's ``select_account`` only to a provider that
    lists it in ``prompt_values_supported``; otherwise none (the provider's default: ask only when needed)."""
    if configured:
        return configured
    return "select_account" if "select_account" in (metadata.get("prompt_values_supported") or []) else None


def metadata_problems(metadata: Mapping, *, configured_prompt: str | None = None, scope: str = "openid email profile") -> list[str]:
    """What the provider's discovery document (``/.well-known/openid-configuration``) lacks for this app, in
    Russian, each naming the field. Empty: nothing missing."""
    problems = []
    for field, why in (("issuer", "издатель токенов"), ("authorization_endpoint", "адрес входа"),
                       ("token_endpoint", "адрес обмена кода на токены"), ("jwks_uri", "ключи подписи токенов")):
        if not metadata.get(field):
            problems.append(f"нет «{field}» ({why}) — без него вход невозможен")
    if "code" not in (metadata.get("response_types_supported") or ["code"]):
        problems.append("«response_types_supported» не содержит «code»: приложение входит только по коду авторизации")
    scopes = metadata.get("scopes_supported")
    for wanted in scope.split():
        if scopes and wanted not in scopes:
            problems.append(f"«scopes_supported» не содержит «{wanted}»: без этой области служба не сообщит адрес почты")
    claims = metadata.get("claims_supported")
    for claim in ("email", "email_verified"):
        if claims and claim not in claims:
            problems.append(f"«claims_supported» не содержит «{claim}»: без него вход будет отклонён")
    if not metadata.get("userinfo_endpoint"):
        problems.append("нет «userinfo_endpoint»: адрес почты можно будет взять только из ID-токена")
    if not metadata.get("end_session_endpoint"):
        problems.append("нет «end_session_endpoint»: «Выйти» не закроет вход в самой службе")
    prompts = metadata.get("prompt_values_supported")
    if configured_prompt and prompts and configured_prompt not in prompts:
        problems.append(f"«prompt_values_supported» не содержит «{configured_prompt}», заданный в [auth] client_kwargs")
    return problems
