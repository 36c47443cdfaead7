# tests/ - unit tests (cmocka, TAP), CLI tests (shell, TAP), fuzz replay
