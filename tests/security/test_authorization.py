"""The authorization matrix: every page and API endpoint, asked as every role.

``MATRIX`` below has one line per (method, URL rule) and one column per role. The URL is
filled in with objects of the demo village 幸福村 ("own village", built by
``tests/security/seed.py``); each role is held by someone of that village, or of a second
village (the columns marked ``*``):

| column | who |
| --- | --- |
| ``anon`` | nobody signed in |
| ``hh`` | the household the URL names (villager signed in with phone and PIN) |
| ``nbr`` | another household of the same village (a neighbour) |
| ``hh*`` | a household of the other village |
| ``lead`` / ``lead*`` | a leader (志愿队长/网格员) of the village / of the other village |
| ``shop`` / ``shop*`` | the keeper of the village's shop / of the other village's shop |
| ``adm`` / ``adm*`` | an administrator of the village / of the other village |
| ``twp`` / ``twp*`` | a township admin of the village's township / of the other village's |
| ``cty`` | a county admin of the county both townships belong to |

Each request carries a valid body (``tests/security/matrix.py``: ``API_BODIES``, ``QUERIES``,
``FORM_FIELDS``), so a cell shows whether that person may do it, not merely that an empty
body is invalid. Every request runs in a savepoint rolled back afterwards: cells are
independent. Pages are asked with CSRF off here (CSRF has its own tests, test_csrf.py).

A cell is the status code (``2xx`` / ``3xx`` for any of the class), ``login`` for a redirect
to the staff sign-in page, or ``me`` for a redirect to the villager sign-in page. A 2xx, or a
409 / 422 where others get 403, means the caller got past the permission check.

How to add a row (a new page or endpoint):

1. Add one line to ``MATRIX``: the method, the URL rule exactly as ``app.url_map`` spells it
   (``flask --app pointsmart routes``), and thirteen cells in the column order above.
2. If the URL names a new kind of object (``<int:report_id>``), give it a value in
   ``seed.build_world`` (``world.params``), made of the demo village's data. When the name
   means something else in this rule (``<token>`` of a roster upload, not of a card) or is an
   ``any(...)`` choice, map it in ``RULE_PARAMS`` (``matrix.py``).
3. If it is a write that needs a body to reach its permission check, add the body to
   ``API_BODIES`` (JSON) or ``FORM_FIELDS`` (page forms) in ``matrix.py``.
4. Run ``pytest tests/security/test_authorization.py``: a row whose answers differ fails
   with all thirteen answers, so a first guess can be corrected by reading them (but decide what
   each cell should be; the table is the specification, not a recording).

``test_every_rule_is_in_the_matrix`` fails when a route exists without a row (or a row
without a route); ``EXEMPT`` lists the only rules left out, with the reason.
"""

from __future__ import annotations

import pytest

from tests.security.matrix import ROLES, ask, matches

# Rules not in the matrix, and why.
EXEMPT = {
    ("GET", "/static/<path:filename>"): "our own CSS, JS and pictures: public files",
}

MATRIX_TEXT = """
method rule                                                                                   anon  hh    nbr   hh*   lead  lead* shop  shop* adm   adm*   twp   twp*  cty
GET    /                                                                                      200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /account/password                                                                      login login login login 200   200   200   200   200   200   200   200   200
POST   /account/password                                                                      login login login login 422   422   422   422   422   422   422   422   422
GET    /admin                                                                                 login login login login 403   403   403   403   200   200   403   403   403
POST   /admin/grids/<int:grid_id>                                                             login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/households/<int:household_id>                                                   login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/households/<int:household_id>/edit                                              login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/households/<int:household_id>/members                                           login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/households/<int:household_id>/move                                              login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/households/<int:household_id>/moved-away                                        login login login login 403   403   403   403   422   403   403   403   403
POST   /admin/households/<int:household_id>/pin                                               login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/members/<int:member_id>                                                         login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/members/<int:member_id>/remove                                                  login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/rules/<int:rule_id>/active                                                      login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/rules/<int:rule_id>/version                                                     login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>                                                       login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>                                                       login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/audit                                                 login login login login 403   403   403   403   200   403   403   403   403
GET    /admin/villages/<int:village_id>/grids                                                 login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/grids                                                 login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/households                                            login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/households                                            login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/import                                                login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/import                                                login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/import/<token>                                        login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/import/<token>                                        login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/import/template.<any(xlsx, csv):kind>                 login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/roles/<int:role_id>/revoke                            login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/rules                                                 login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/rules                                                 login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/staff                                                 login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/staff                                                 login login login login 403   403   403   403   303   403   403   403   403
GET    /admin/villages/<int:village_id>/users/<int:user_id>                                   login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/users/<int:user_id>/active                            login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/villages/<int:village_id>/users/<int:user_id>/password                          login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/villages/<int:village_id>/users/<int:user_id>/roles                             login login login login 403   403   403   403   303   403   403   403   403
GET    /api/v1/activities/<int:activity_id>                                                   401   403   403   403   200   403   403   403   200   403   403   403   403
POST   /api/v1/activities/<int:activity_id>/attendance                                        401   403   403   403   201   403   403   403   201   403   403   403   403
POST   /api/v1/activities/<int:activity_id>/checkins                                          401   403   403   403   201   403   403   403   201   403   403   403   403
GET    /api/v1/approvals/<int:approval_id>                                                    401   403   403   403   404   403   403   403   200   403   403   403   403
POST   /api/v1/approvals/<int:approval_id>/decision                                           401   403   403   403   403   403   403   403   200   403   403   403   403
PATCH  /api/v1/attendances/<int:attendance_id>                                                401   403   403   403   409   403   403   403   409   403   403   403   403
POST   /api/v1/attendances/<int:attendance_id>/checkout                                       401   403   403   403   409   403   403   403   409   403   403   403   403
POST   /api/v1/auth/pin                                                                       401   204   204   204   403   403   403   403   403   403   403   403   403
POST   /api/v1/auth/token                                                                     401   401   401   401   401   401   401   401   401   401   401   401   401
POST   /api/v1/campaign-objections/<int:campaign_objection_id>/decision                      401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/campaigns/<int:campaign_id>                                                    401   200   200   404   200   403   200   403   200   403   200   403   200
POST   /api/v1/campaigns/<int:campaign_id>/beans                                              401   201   403   403   403   403   403   403   403   403   403   403   403
POST   /api/v1/campaigns/<int:campaign_id>/confer                                             401   403   403   403   403   403   403   403   409   403   403   403   403
POST   /api/v1/campaigns/<int:campaign_id>/nominations                                        401   201   201   404   201   403   403   403   201   403   403   403   403
GET    /api/v1/campaigns/<int:campaign_id>/objections                                         401   403   403   403   403   403   403   403   200   403   403   403   403
POST   /api/v1/campaigns/<int:campaign_id>/publish                                            401   403   403   403   403   403   403   403   409   403   403   403   403
POST   /api/v1/nominations/<int:nomination_id>/decline                                        401   403   200   403   403   403   403   403   200   403   403   403   403
POST   /api/v1/nominations/<int:nomination_id>/objections                                     401   409   201   404   403   403   403   403   422   403   403   403   403
POST   /api/v1/nominations/<int:nomination_id>/votes                                          401   403   403   403   201   403   403   403   201   403   403   403   403
GET    /api/v1/offline-sales/<int:offline_sale_id>                                            401   403   403   403   403   403   200   403   200   403   403   403   403
POST   /api/v1/offline-sales/<int:offline_sale_id>/resolve                                    401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/shops/<int:shop_id>/offline-sales                                              401   403   403   403   403   403   200   403   200   403   403   403   403
GET    /api/v1/shops/<int:shop_id>/offline-snapshot                                           401   403   403   403   403   403   200   403   403   403   403   403   403
GET    /api/v1/villages/<int:village_id>/campaigns                                            401   200   200   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/campaigns                                            401   403   403   403   403   403   403   403   201   403   403   403   403
POST   /api/v1/board-entries/<int:entry_id>/objections                                        401   201   409   404   403   403   403   403   201   403   403   403   403
GET    /api/v1/cards/<path:token>                                                             200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /api/v1/docs                                                                           200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /api/v1/households/<int:household_id>                                                  401   200   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/households/<int:household_id>/card                                             401   403   403   403   403   403   403   403   201   403   403   403   403
GET    /api/v1/households/<int:household_id>/card.png                                         401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/households/<int:household_id>/card.svg                                         401   403   403   403   403   403   403   403   200   403   403   403   403
POST   /api/v1/households/<int:household_id>/pin                                              401   403   403   403   403   403   403   403   204   403   403   403   403
GET    /api/v1/households/<int:household_id>/transfers                                        401   200   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/objections/<int:objection_id>/decision                                         401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/openapi.json                                                                   200   200   200   200   200   200   200   200   200   200   200   200   200
PATCH  /api/v1/products/<int:product_id>                                                      401   403   403   403   403   403   200   403   200   403   403   403   403
DELETE /api/v1/products/<int:product_id>/photo                                                401   403   403   403   403   403   204   403   204   403   403   403   403
GET    /api/v1/products/<int:product_id>/photo                                                200   200   200   200   200   200   200   200   200   200   200   200   200
PUT    /api/v1/products/<int:product_id>/photo                                                401   403   403   403   403   403   200   403   200   403   403   403   403
POST   /api/v1/products/<int:product_id>/stock                                                401   403   403   403   403   403   201   403   201   403   403   403   403
GET    /api/v1/products/<int:product_id>/stock-moves                                          401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/redemptions                                                                    401   403   403   403   403   403   201   403   403   403   403   403   403
GET    /api/v1/redemptions/<int:redemption_id>                                                401   403   403   403   403   403   200   403   200   403   403   403   403
POST   /api/v1/redemptions/<int:redemption_id>/void                                           401   403   403   403   403   403   200   403   200   403   403   403   403
GET    /api/v1/rules/<int:rule_id>                                                            401   403   403   403   200   403   200   403   200   403   200   403   200
PATCH  /api/v1/rules/<int:rule_id>                                                            401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/shops/<int:shop_id>/products                                                   401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/shops/<int:shop_id>/products                                                   401   403   403   403   403   403   201   403   201   403   403   403   403
GET    /api/v1/shops/<int:shop_id>/settlements/<period>                                       401   403   403   403   403   403   200   403   200   403   403   403   403
POST   /api/v1/shops/<int:shop_id>/settlements/<period>                                       401   403   403   403   403   403   403   403   201   403   403   403   403
POST   /api/v1/transfers                                                                      401   403   403   403   201   403   403   403   201   403   403   403   403
POST   /api/v1/transfers/<int:transfer_id>/reversal                                           401   403   403   403   403   403   403   403   409   403   403   403   403
POST   /api/v1/transfers/batch                                                                401   403   403   403   201   403   403   403   201   403   403   403   403
GET    /api/v1/transfers/preview                                                              401   403   403   403   200   403   403   403   200   403   403   403   403
GET    /api/v1/villages                                                                       401   200   200   200   200   200   200   200   200   200   200   200   200
POST   /api/v1/villages                                                                       401   403   403   403   403   403   403   403   403   403   403   403   403
GET    /api/v1/villages/<int:village_id>                                                      401   403   403   403   200   403   200   403   200   403   200   403   200
GET    /api/v1/villages/<int:village_id>/activities                                           401   403   403   403   200   403   403   403   200   403   403   403   403
POST   /api/v1/villages/<int:village_id>/activities                                           401   403   403   403   201   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/approvals                                            401   403   403   403   200   403   403   403   200   403   403   403   403
POST   /api/v1/villages/<int:village_id>/approvals                                            401   403   403   403   201   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/award-settings                                       401   403   403   403   200   403   403   403   200   403   403   403   403
PATCH  /api/v1/villages/<int:village_id>/award-settings                                       401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/board                                                200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /api/v1/villages/<int:village_id>/board-entries                                        401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/board-entries                                        401   403   403   403   201   403   403   403   201   403   403   403   403
PUT    /api/v1/villages/<int:village_id>/counter-settings                                     401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/grids                                                401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/grids                                                401   403   403   403   403   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/households                                           401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/households                                           401   403   403   403   403   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/leaderboard                                          200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /api/v1/villages/<int:village_id>/ledger/verify                                        401   403   403   403   403   403   403   403   200   403   200   403   200
GET    /api/v1/villages/<int:village_id>/ledger/verify-head                                   401   403   403   403   403   403   403   403   200   403   200   403   200
GET    /api/v1/villages/<int:village_id>/my-entries                                           401   403   403   403   200   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/objections                                           401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/offline-sales                                        401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/rules                                                401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/rules                                                401   403   403   403   403   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/shops                                                401   403   403   403   200   403   200   403   200   403   200   403   200
POST   /api/v1/villages/<int:village_id>/shops                                                401   403   403   403   403   403   403   403   201   403   403   403   403
GET    /api/v1/villages/<int:village_id>/summary                                              401   403   403   403   403   403   403   403   200   403   200   403   200
GET    /board-photos/<int:entry_id>                                                           200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /board/<int:village_id>                                                                200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /board/<int:village_id>/leaderboard                                                    200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /c/<path:token>                                                                        200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /counter                                                                               login login login login 200   200   302   302   200   200   200   200   200
GET    /households/<int:household_id>/card                                                    login login login login 403   403   403   403   200   403   403   403   403
GET    /households/<int:household_id>/card.<any(png, svg):kind>                               login login login login 403   403   403   403   200   403   403   403   403
GET    /healthz                                                                                200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /lang/<code>                                                                           303   303   303   303   303   303   303   303   303   303   303   303   303
GET    /leader                                                                                login login login login 302   302   403   403   302   302   403   403   403
GET    /leader/<int:village_id>                                                               login login login login 200   403   403   403   200   403   403   403   403
GET    /leader/<int:village_id>/activities                                                    login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/activities                                                    login login login login 422   403   403   403   422   403   403   403   403
GET    /leader/<int:village_id>/activities/<int:activity_id>                                  login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/activities/<int:activity_id>/attendances/<int:attendance_id>  login login login login 409   403   403   403   409   403   403   403   403
POST   /leader/<int:village_id>/activities/<int:activity_id>/checkin                          login login login login 422   403   403   403   422   403   403   403   403
POST   /leader/<int:village_id>/activities/<int:activity_id>/post                             login login login login 422   403   403   403   422   403   403   403   403
GET    /leader/<int:village_id>/approvals                                                     login login login login 403   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/approvals/<int:approval_id>                                   login login login login 403   403   403   403   303   403   403   403   403
GET    /leader/<int:village_id>/board                                                         login login login login 200   403   403   403   200   403   403   403   403
GET    /leader/<int:village_id>/households                                                    login login login login 200   403   403   403   200   403   403   403   403
GET    /leader/<int:village_id>/households/<int:household_id>                                 login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/households/<int:household_id>/award                           login login login login 422   403   403   403   422   403   403   403   403
GET    /leader/<int:village_id>/households/<int:household_id>/board-entry                     login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/households/<int:household_id>/board-entry                     login login login login 422   403   403   403   422   403   403   403   403
POST   /leader/<int:village_id>/households/<int:household_id>/preview                         login login login login 422   403   403   403   422   403   403   403   403
GET    /leader/<int:village_id>/mine                                                          login login login login 200   403   403   403   200   403   403   403   403
GET    /leader/<int:village_id>/objections                                                    login login login login 403   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/objections/<int:objection_id>                                 login login login login 403   403   403   403   303   403   403   403   403
GET    /leader/<int:village_id>/scoring                                                       login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/scoring                                                       login login login login 422   403   403   403   422   403   403   403   403
POST   /leader/<int:village_id>/transfers/<int:transfer_id>/reverse                           login login login login 403   403   403   403   303   403   403   403   403
GET    /login                                                                                 200   200   200   200   200   200   200   200   200   200   200   200   200
POST   /login                                                                                 422   422   422   422   422   422   422   422   422   422   422   422   422
POST   /logout                                                                                302   302   302   302   302   302   302   302   302   302   302   302   302
GET    /campaign-photos/<int:nomination_id>                                                   404   404   404   404   404   404   404   404   404   404   404   404   404
GET    /leader/<int:village_id>/campaigns                                                     login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/<int:village_id>/campaigns                                                     login login login login 403   403   403   403   303   403   403   403   403
POST   /leader/campaign-objections/<int:campaign_objection_id>                                login login login login 403   403   403   403   303   403   403   403   403
GET    /leader/campaigns/<int:campaign_id>                                                    login login login login 200   403   403   403   200   403   403   403   403
GET    /leader/campaigns/<int:campaign_id>/certificates.pdf                                   login login login login 403   403   403   403   404   403   403   403   403
POST   /leader/campaigns/<int:campaign_id>/confer                                             login login login login 403   403   403   403   303   403   403   403   403
POST   /leader/campaigns/<int:campaign_id>/nominations                                        login login login login 303   403   403   403   303   403   403   403   403
GET    /leader/campaigns/<int:campaign_id>/notice.pdf                                         login login login login 200   403   403   403   200   403   403   403   403
POST   /leader/campaigns/<int:campaign_id>/publish                                            login login login login 403   403   403   403   303   403   403   403   403
POST   /leader/nominations/<int:nomination_id>/decline                                        login login login login 403   403   403   403   303   403   403   403   403
POST   /leader/nominations/<int:nomination_id>/vote                                           login login login login 303   403   403   403   303   403   403   403   403
GET    /me/campaigns                                                                          me    200   200   200   me    me    me    me    me    me   me    me    me
GET    /me/campaigns/<int:campaign_id>                                                        me    200   200   404   me    me    me    me    me    me   me    me    me
POST   /me/campaigns/<int:campaign_id>/beans                                                  me    303   403   404   me    me    me    me    me    me   me    me    me
POST   /me/campaigns/<int:campaign_id>/nominations                                            me    303   303   404   me    me    me    me    me    me   me    me    me
POST   /me/nominations/<int:nomination_id>/decline                                            me    403   303   404   me    me    me    me    me    me   me    me    me
POST   /me/nominations/<int:nomination_id>/objection                                          me    303   303   404   me    me    me    me    me    me   me    me    me
POST   /me/nominations/<int:nomination_id>/vote                                               me    403   403   404   me    me    me    me    me    me   me    me    me
GET    /manifest/<any(counter, me):kind>.webmanifest                                          200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /me                                                                                    me    200   200   200   me    me    me    me    me    me   me    me    me
GET    /me/login                                                                              200   200   200   200   200   200   200   200   200   200   200   200   200
POST   /me/login                                                                              422   422   422   422   422   422   422   422   422   422   422   422   422
POST   /me/logout                                                                             me    me    me    me    me    me    me    me    me    me   me    me    me
GET    /me/objections/<int:entry_id>                                                          me    200   200   404   me    me    me    me    me    me   me    me    me
POST   /me/objections/<int:entry_id>                                                          me    303   422   404   me    me    me    me    me    me   me    me    me
GET    /me/pin                                                                                me    200   200   200   me    me    me    me    me    me   me    me    me
POST   /me/pin                                                                                me    422   422   422   me    me    me    me    me    me   me    me    me
POST   /offline-sales/<int:offline_sale_id>/resolve                                           login login login login 403   403   403   403   303   403   403   403   403
GET    /products/<int:product_id>                                                             login login login login 200   403   200   403   200   403   200   403   200
POST   /products/<int:product_id>                                                             login login login login 422   403   422   403   422   403   422   403   422
POST   /products/<int:product_id>/photo                                                       login login login login 403   403   303   403   303   403   403   403   403
GET    /products/<int:product_id>/photo.jpg                                                   200   200   200   200   200   200   200   200   200   200   200   200   200
POST   /products/<int:product_id>/stock                                                       login login login login 422   403   422   403   422   403   422   403   422
GET    /redemptions/<int:redemption_id>/receipt                                               login login login login 403   403   200   403   200   403   403   403   403
POST   /redemptions/<int:redemption_id>/void                                                  login login login login 403   403   303   403   303   403   403   403   403
GET    /shops                                                                                 login login login login 403   403   403   403   302   302   403   403   403
GET    /shops/<int:shop_id>/counter                                                           login login login login 403   403   200   403   403   403   403   403   403
POST   /shops/<int:shop_id>/counter/card                                                      login login login login 403   403   422   403   403   403   403   403   403
GET    /shops/<int:shop_id>/counter/pick                                                      login login login login 403   403   302   403   403   403   403   403   403
POST   /shops/<int:shop_id>/counter/offline-sales                                             401   401   401   401   403   403   422   403   403   403   403   403   403
GET    /shops/<int:shop_id>/counter/offline-snapshot                                          401   401   401   401   403   403   200   403   403   403   403   403   403
POST   /shops/<int:shop_id>/counter/sale                                                      login login login login 403   403   422   403   403   403   403   403   403
GET    /shops/<int:shop_id>/goods                                                             login login login login 200   403   200   403   200   403   200   403   200
POST   /shops/<int:shop_id>/goods                                                             login login login login 403   403   422   403   422   403   403   403   403
GET    /shops/<int:shop_id>/needs-attention                                                   login login login login 403   403   200   403   200   403   403   403   403
GET    /shops/<int:shop_id>/sales                                                             login login login login 403   403   200   403   200   403   403   403   403
GET    /shops/<int:shop_id>/settlements                                                       login login login login 403   403   302   403   302   403   403   403   403
GET    /shops/<int:shop_id>/settlements/<period>                                              login login login login 403   403   200   403   200   403   403   403   403
POST   /shops/<int:shop_id>/settlements/<period>                                              login login login login 403   403   403   403   303   403   403   403   403
GET    /sw.js                                                                                 200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /tv/<int:village_id>                                                                   200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /villages/<int:village_id>/cards                                                       login login login login 403   403   403   403   200   403   403   403   403
GET    /villages/<int:village_id>/cards.pdf                                                   login login login login 403   403   403   403   200   403   403   403   403
POST   /villages/<int:village_id>/cards/issue                                                 login login login login 403   403   403   403   303   403   403   403   403
POST   /villages/<int:village_id>/cards/reissue                                               login login login login 403   403   403   403   303   403   403   403   403
POST   /villages/<int:village_id>/counter-settings                                            login login login login 403   403   403   403   303   403   403   403   403
GET    /villages/<int:village_id>/exports                                                     login login login login 403   403   403   403   200   403   200   403   200
GET    /villages/<int:village_id>/exports/<any(households, transfers, redemptions, settlements):name>.<any(csv, xlsx):fmt> login login login login 403   403   403   403   200   403   200   403   200
POST   /villages/<int:village_id>/pins                                                        login login login login 403   403   403   403   422   403   403   403   403
GET    /villages/<int:village_id>/reconciliation                                              login login login login 403   403   403   403   200   403   403   403   403
GET    /villages/<int:village_id>/reports                                                     login login login login 403   403   403   403   200   403   200   403   200
GET    /villages/<int:village_id>/reports/<any(summary, leaders, leaders12, months):name>.<any(csv, xlsx):fmt> login login login login 403   403   403   403   200   403   200   403   200
GET    /villages/<int:village_id>/reports/sheet.pdf                                           login login login login 403   403   403   403   200   403   200   403   200
GET    /admin/villages/<int:village_id>/sms                                                   login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/sms/cap                                               login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/villages/<int:village_id>/sms/consents                                          login login login login 403   403   403   403   303   403   403   403   403
POST   /admin/villages/<int:village_id>/sms/consents/<int:household_id>/stop                  login login login login 403   403   403   403   303   403   403   403   403
POST   /me/sms/stop                                                                           me    303   303   303   me    me    me    me    me    me   me    me    me
GET    /api/v1/villages/<int:village_id>/sms                                                  401   403   403   403   403   403   403   403   200   403   403   403   403
PUT    /api/v1/villages/<int:village_id>/sms-settings                                         401   403   403   403   403   403   403   403   200   403   403   403   403
PUT    /api/v1/households/<int:household_id>/sms-consent                                      401   403   403   403   403   403   403   403   200   403   403   403   403
DELETE /api/v1/households/<int:household_id>/sms-consent                                      401   204   403   403   403   403   403   403   204   403   403   403   403
POST   /notify/aliyun/<token>/report                                                          404   404   404   404   404   404   404   404   404   404   404   404   404
POST   /notify/aliyun/<token>/up                                                              404   404   404   404   404   404   404   404   404   404   404   404   404
GET    /villages/<int:village_id>/statements                                                  login login login login 200   403   403   403   200   403   403   403   403
GET    /villages/<int:village_id>/statements.pdf                                              login login login login 200   403   403   403   200   403   403   403   403
GET    /villages/<int:village_id>/shops                                                       login login login login 403   403   403   403   200   403   403   403   403
POST   /villages/<int:village_id>/shops                                                       login login login login 403   403   403   403   422   403   403   403   403
GET    /api/v1/regions                                                                        401   403   403   403   403   403   403   403   403   403   200   200   200
POST   /api/v1/regions                                                                        401   403   403   403   403   403   403   403   403   403   403   403   201
GET    /api/v1/regions/<int:region_id>                                                        401   403   403   403   403   403   403   403   403   403   200   403   200
GET    /api/v1/regions/<int:region_id>/dashboard                                              401   403   403   403   403   403   403   403   403   403   200   403   200
GET    /api/v1/regions/<int:region_id>/campaigns                                              401   403   403   403   403   403   403   403   403   403   200   403   200
POST   /api/v1/regions/<int:region_id>/campaigns                                              401   403   403   403   403   403   403   403   403   403   201   403   201
GET    /regions                                                                               login login login login 403   403   403   403   403   403   200   200   200
GET    /regions/<int:region_id>                                                               login login login login 403   403   403   403   403   403   200   403   200
GET    /regions/<int:region_id>/dashboard                                                     login login login login 403   403   403   403   403   403   200   403   200
GET    /regions/<int:region_id>/dashboard.xlsx                                                login login login login 403   403   403   403   403   403   200   403   200
GET    /regions/<int:region_id>/campaigns                                                     login login login login 403   403   403   403   403   403   200   403   200
POST   /regions/<int:region_id>/campaigns                                                     login login login login 403   403   403   403   403   403   303   403   303
POST   /regions/<int:region_id>/townships                                                     login login login login 403   403   403   403   403   403   403   403   303
POST   /regions/<int:region_id>/villages                                                      login login login login 403   403   403   403   403   403   403   403   303
POST   /regions/<int:region_id>/village-admins                                                login login login login 403   403   403   403   403   403   403   403   303
PATCH  /api/v1/regions/<int:region_id>                                                        401   403   403   403   403   403   403   403   403   403   403   403   422
POST   /regions/<int:region_id>/levels                                                        login login login login 403   403   403   403   403   403   403   403   303
GET    /api/v1/regions/<int:region_id>/rule-templates                                         401   403   403   403   403   403   403   403   200   200   200   200   200
POST   /api/v1/regions/<int:region_id>/rule-templates                                         401   403   403   403   403   403   403   403   403   403   403   403   201
GET    /api/v1/rule-templates/<int:template_id>                                               401   403   403   403   403   403   403   403   200   200   200   200   200
GET    /api/v1/rule-templates/<int:template_id>/draft                                         401   403   403   403   403   403   403   403   403   403   403   403   200
POST   /api/v1/rule-templates/<int:template_id>/draft                                         401   403   403   403   403   403   403   403   403   403   403   403   409
PATCH  /api/v1/rule-templates/<int:template_id>/draft                                         401   403   403   403   403   403   403   403   403   403   403   403   200
POST   /api/v1/rule-templates/<int:template_id>/publish                                       401   403   403   403   403   403   403   403   403   403   403   403   201
GET    /api/v1/rule-templates/<int:template_id>/versions                                      401   403   403   403   403   403   403   403   200   200   200   200   200
GET    /api/v1/rule-templates/<int:template_id>/versions/<int:number>                         401   403   403   403   403   403   403   403   200   200   200   200   200
GET    /api/v1/villages/<int:village_id>/rule-templates                                       401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /api/v1/villages/<int:village_id>/rule-template-adoptions                              401   403   403   403   403   403   403   403   200   403   403   403   403
POST   /api/v1/villages/<int:village_id>/rule-template-adoptions                              401   403   403   403   403   403   403   403   201   403   403   403   403
POST   /api/v1/villages/<int:village_id>/rule-template-adoptions/preview                      401   403   403   403   403   403   403   403   200   403   403   403   403
GET    /regions/<int:region_id>/rule-templates                                                login login login login 403   403   403   403   200   200   200   200   200
POST   /regions/<int:region_id>/rule-templates                                                login login login login 403   403   403   403   403   403   403   403   303
GET    /rule-templates/<int:template_id>                                                      login login login login 403   403   403   403   200   200   200   200   200
POST   /rule-templates/<int:template_id>/draft                                                login login login login 403   403   403   403   403   403   403   403   422
POST   /rule-templates/<int:template_id>/draft/title                                          login login login login 403   403   403   403   403   403   403   403   303
POST   /rule-templates/<int:template_id>/draft/entries                                        login login login login 403   403   403   403   403   403   403   403   303
POST   /rule-templates/<int:template_id>/draft/entries/<int:entry_id>                         login login login login 403   403   403   403   403   403   403   403   303
POST   /rule-templates/<int:template_id>/draft/entries/<int:entry_id>/remove                  login login login login 403   403   403   403   403   403   403   403   303
POST   /rule-templates/<int:template_id>/publish                                              login login login login 403   403   403   403   403   403   403   403   303
GET    /rule-templates/<int:template_id>/versions/<int:number>                                login login login login 403   403   403   403   200   200   200   200   200
GET    /admin/villages/<int:village_id>/rule-templates                                        login login login login 403   403   403   403   200   403   403   403   403
GET    /admin/villages/<int:village_id>/rule-templates/<int:template_id>/versions/<int:number> login login login login 403   403   403   403   200   403   403   403   403
POST   /admin/villages/<int:village_id>/rule-templates/<int:template_id>/versions/<int:number> login login login login 403   403   403   403   303   403   403   403   403
"""


def _parse(text: str) -> dict[tuple[str, str], tuple[str, ...]]:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[-len(ROLES) :]) == ROLES, header
    table = {}
    for row in rows:
        # The rule may hold a space (``<any(png, svg):kind>``): it is all between the two.
        method, rule, cells = row[0], " ".join(row[1 : -len(ROLES)]), tuple(row[-len(ROLES) :])
        assert (method, rule) not in table, f"two rows for {method} {rule}"
        table[(method, rule)] = cells
    return table


MATRIX = _parse(MATRIX_TEXT)


def routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_rule_is_in_the_matrix(app):
    present = routes(app)
    missing = sorted(present - set(MATRIX) - set(EXEMPT))
    stale = sorted(set(MATRIX) - present)

    assert not missing, f"routes without a row in MATRIX: {missing}"
    assert not stale, f"rows in MATRIX without a route: {stale}"


@pytest.mark.parametrize(
    ("method", "rule"), sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)]
)
def test_each_role_gets_what_the_matrix_says(world_app, method, rule):
    app, world, begin = world_app
    expected = MATRIX[(method, rule)]

    actual = tuple(ask(app, begin, world, method, rule, role) for role in ROLES)

    wrong = [
        f"{role}: expected {want}, got {got}"
        for role, want, got in zip(ROLES, expected, actual, strict=True)
        if not matches(want, got)
    ]
    assert not wrong, f"{method} {rule}: {'; '.join(wrong)}\n  got: {' '.join(actual)}"
