"""Text messages (短信) to households that consented: the outbox written with each transfer,
the worker that sends it through the provider, consent and stop, receipts and replies."""
