"""Sales at a counter that has lost its network.

While online the counter keeps a *snapshot* (:mod:`.snapshot`) of what an offline sale needs.
Offline, the phone queues each sale with its own Idempotency-Key and the time it was made,
and sends them in the order made when the network returns (``static/js/offline-*.js``).

Here (:mod:`.sync`) such a sale is posted like any other sale (``counter.sales``), with the
time it was made kept on the redemption and counted in that month, or, when that month is
already settled or on a printed 公示 sheet, in the current month. A sale the server refuses
(the household spent the points elsewhere meanwhile, the card was reissued, the goods ran
out, the village's offline limit) posts nothing and is kept whole as a
``PendingOfflineSale``: the shop's "needs attention" list and the committee's
reconciliation (:mod:`.reconcile`) show it until the committee resolves it with one ledger
transfer, an offline shortfall (household -> shop) or a write-off (issued -> shop).
"""
