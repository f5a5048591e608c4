"""评选 campaigns: model households nominated, reviewed by the village's council (道德评议会)
and, if the campaign says so, by 豆选, published for public notice (公示), then conferred:
the winners get the campaign rule's points through the ledger and hold its title.

``models`` (tables), ``windows`` (the dates), ``service`` (setting up, nominating),
``review`` (votes, beans, publishing), ``conferral`` (objections, conferral, titles),
``present`` (what a caller sees), ``schemas``, ``api/`` and ``views/`` (blueprints),
``setup`` (hooking it into the app).
"""
