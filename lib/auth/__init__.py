"""Who may do what: users and roles, passwords, sign-in, the session cookie, page rights, and the access rules of
a write.
"""
