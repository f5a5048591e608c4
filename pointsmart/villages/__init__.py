"""Villages and their grids: a village's settings (time zone, yuan per point, approval
threshold, board days, PIN amount ...) and grids (网格). Opening a village opens its ledger
accounts. Households, their members, the roster import and the cards are ``households``'.
"""
