"""The POS pages, one module per topic: register (cart, payment, shifts), and the
modules that later topics add (returns, buy-backs, receipts)."""
