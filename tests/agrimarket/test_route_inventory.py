"""Every route of the app has an entry in the authorization matrix; a new route without one fails.

Profiles say who may reach a route, per role and owner (own, member, foreign area, anonymous).
``test_authorization_matrix.py`` exercises every cell against real records; here every API route
is checked for anonymous callers, the one cell every profile but PUBLIC shares.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import pytest
from litestar.routes import HTTPRoute


@dataclass(frozen=True)
class Access:
    """Expected answer per caller: "allow", "read" (GET only), "hidden" (a list or export that answers
    but leaves the owner's rows out), "login" (a page redirecting to /login), or the denial's status.

    The cells name callers aiming at the records of one household (own), as its coop manager
    (member), from another province (foreign), as officers and as an admin.
    """

    anonymous: str
    household_own: str
    household_foreign: str
    coop_manager_member: str
    officer_in_area: str
    officer_foreign_area: str
    admin: str


PUBLIC = Access(*["allow"] * 7)
# Rows owned by a household or cooperative: foreign rows answer 404 (their existence is not revealed).
OWNED_WRITE = Access("401", "allow", "404", "allow", "403", "404", "allow")
OWNED_READ = Access("401", "allow", "404", "allow", "allow", "404", "allow")
# Lists and exports are filtered by scope: out-of-scope callers get an answer without those rows.
OWNED_LIST = Access("401", "allow", "hidden", "allow", "allow", "hidden", "allow")
# Created in the caller's own name; the owner is checked like OWNED_WRITE.
CREATE_OWN = Access("401", "allow", "403", "allow", "403", "403", "allow")
# Created from rows the caller names (a batch from a product and an area): foreign rows look absent.
CREATE_FROM_OWNED = Access("401", "allow", "404", "allow", "403", "404", "allow")
# Checks on households' rows by those who oversee them: clearing a PHI flag, declaring a listing
# (README, DESIGN.md); the household itself may read but not do these.
OVERSEEN_WRITE = Access("401", "403", "404", "allow", "allow", "404", "allow")
SIGNED_IN = Access("401", "allow", "allow", "allow", "allow", "allow", "allow")
# Marketplace seller accounts belong to households and cooperatives only.
SELLERS = Access("401", "allow", "allow", "allow", "403", "403", "403")
# Officers and admins: reports over the officer's area only (another area answers 404).
STAFF_READ = Access("401", "403", "403", "403", "allow", "404", "allow")
# A cooperative: its manager, officers of its area (read only) and admins; households, even its
# members, do not see it. Officers are refused any write, wherever the cooperative is.
COOP_READ = Access("401", "404", "404", "allow", "allow", "404", "allow")
COOP_WRITE = Access("401", "404", "404", "allow", "403", "403", "allow")
# The cooperative itself: a member household sees which cooperative it belongs to.
COOP_READ_MEMBER = Access("401", "allow", "404", "allow", "allow", "404", "allow")
# The cooperative register (verify, suspend, revoke; approve an out-of-province member; confirm
# an account claim): officers of the cooperative's (or household's) area and admins.
COOP_JUDGE = Access("401", "403", "403", "403", "allow", "404", "allow")
COOP_REGISTER = Access("401", "403", "403", "403", "allow", "hidden", "allow")
# A household's own invitations and cooperative: households only, each its own.
HOUSEHOLD_SELF = Access("401", "allow", "allow", "403", "403", "403", "403")
# Answering an invitation: only the invited household (another one's looks absent).
INVITEE = Access("401", "allow", "404", "403", "403", "403", "403")
# Only a coop manager creates (and manages) a cooperative: an admin has none of their own.
MANAGER_ONLY = Access("401", "403", "403", "allow", "403", "403", "403")
# Household imports: officers (rows outside their area are rejected row by row) and admins upload;
# a job is seen by its uploader (here the officer in area) and admins.
IMPORT_UPLOAD = Access("401", "403", "403", "403", "allow", "allow", "allow")
IMPORT_JOB = Access("401", "404", "404", "404", "allow", "404", "allow")
# The order desk (issue 20): the seller and its cooperative's manager; officers and others: absent.
DESK = Access("401", "allow", "404", "allow", "404", "404", "allow")
PAGE_DESK = Access("login", *dataclasses.astuple(DESK)[1:])
ADMIN_ONLY = Access("401", "403", "403", "403", "403", "403", "allow")
# Web pages: anonymous callers are redirected to /login, the rest as the matching API route.
PAGE_OWNED = Access("login", "allow", "404", "allow", "403", "404", "allow")
PAGE_READ = Access("login", "allow", "404", "allow", "allow", "404", "allow")
PAGE_LIST = Access("login", "allow", "hidden", "allow", "allow", "hidden", "allow")
PAGE_CREATE_OWN = Access("login", "allow", "403", "allow", "403", "403", "allow")
PAGE_OVERSEEN = Access("login", "403", "404", "allow", "allow", "404", "allow")
PAGE_SIGNED_IN = Access("login", "allow", "allow", "allow", "allow", "allow", "allow")
PAGE_SELLERS = Access("login", "allow", "allow", "allow", "403", "403", "403")
PAGE_STAFF = Access("login", "403", "403", "403", "allow", "404", "allow")
PAGE_COOP = Access("login", "403", "403", "allow", "403", "403", "403")
PAGE_IMPORT_UPLOAD = Access("login", "403", "403", "403", "allow", "allow", "allow")
PAGE_IMPORT_JOB = Access("login", "404", "404", "404", "allow", "404", "allow")
PAGE_ADMIN = Access("login", "403", "403", "403", "403", "403", "allow")
# The audit log: admins read all of it, a coop manager the entries of its own and its members' rows.
AUDIT_READ = Access("401", "403", "403", "allow", "403", "403", "allow")
PAGE_AUDIT = Access("login", "403", "403", "allow", "403", "403", "allow")
# Area status: staff judge (plant-quarantine findings); the owner and its manager only read.
JUDGE = Access("401", "403", "404", "403", "allow", "404", "allow")

# E-commerce training: officers (in their area), coop managers (their cooperative's) and admins.
TRAINING_WRITE = Access("401", "403", "403", "allow", "allow", "404", "allow")
TRAINING_LIST = Access("401", "403", "403", "allow", "allow", "hidden", "allow")

# A message of the household's: only the household reads and marks it (the inbox is per recipient).
MESSAGE_OWN = Access("401", "allow", "404", "404", "404", "404", "404")
PAGE_MESSAGE_OWN = Access("login", *dataclasses.astuple(MESSAGE_OWN)[1:])

MATRIX: dict[tuple[str, str], Access] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/swagger"): PUBLIC,
    ("GET", "/schema/{path:str}"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/oauth2-redirect.html"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    # The service worker script (Web Push, the offline app): served at the root for scope "/".
    ("GET", "/sw.js"): PUBLIC,
    # Photo files under random names, shown on public product and scan pages.
    ("GET", "/media/{file_path:path}"): PUBLIC,
    # accounts
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/register"): PUBLIC,
    # Sign-in by a one-time code: anyone may ask (the same answer whether the phone has an account).
    ("POST", "/api/v1/auth/code"): PUBLIC,
    ("POST", "/api/v1/auth/code/sign-in"): PUBLIC,
    ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("POST", "/login/code/sign-in"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    # An admin locks an account (a fresh one per cell: locking A would end the run's sessions).
    ("POST", "/api/v1/admin/users/{user_id:int}/lock"): ADMIN_ONLY,
    ("POST", "/api/v1/admin/users/{user_id:int}/unlock"): ADMIN_ONLY,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("GET", "/lang/{code:str}"): PUBLIC,
    # administrative units: reference data
    ("GET", "/api/v1/areas/communes/{code:str}"): PUBLIC,
    ("GET", "/api/v1/areas/provinces/{code:str}/communes"): PUBLIC,
    ("GET", "/api/v1/areas/provinces"): PUBLIC,
    ("GET", "/api/v1/areas/communes/search"): PUBLIC,
    ("GET", "/areas/commune-options"): PUBLIC,
    # products
    ("GET", "/api/v1/catalog"): PUBLIC,
    ("GET", "/api/v1/products"): OWNED_LIST,
    ("POST", "/api/v1/products"): CREATE_OWN,
    ("GET", "/api/v1/products/{product_id:int}"): OWNED_READ,
    ("PATCH", "/api/v1/products/{product_id:int}"): OWNED_WRITE,
    ("DELETE", "/api/v1/products/{product_id:int}"): OWNED_WRITE,
    ("POST", "/api/v1/products/{product_id:int}/photos"): OWNED_WRITE,
    ("DELETE", "/api/v1/products/{product_id:int}/photos/{photo_id:int}"): OWNED_WRITE,
    ("GET", "/api/v1/products/{product_id:int}/suppliers"): OWNED_READ,
    # Suppliers are named on a cooperative's own product, by its manager: a household may not.
    ("PUT", "/api/v1/products/{product_id:int}/suppliers"): Access(
        "401", "403", "404", "allow", "403", "404", "allow"
    ),
    ("POST", "/products/{product_id:int}/price"): PAGE_OWNED,
    ("POST", "/products/{product_id:int}/stock"): PAGE_OWNED,
    ("GET", "/products/new"): PAGE_SIGNED_IN,
    ("POST", "/products/new"): PAGE_CREATE_OWN,
    ("GET", "/products"): PAGE_LIST,
    ("GET", "/p/{product_id:int}"): PUBLIC,
    ("GET", "/p/{product_id:int}/vietqr.png"): PUBLIC,
    ("GET", "/api/v1/banks"): PUBLIC,
    ("GET", "/api/v1/audit"): AUDIT_READ,
    ("GET", "/audit"): PAGE_AUDIT,
    ("GET", "/feeds/{owner:str}/products.json"): PUBLIC,
    ("GET", "/feeds/{owner:str}/products.csv"): PUBLIC,
    ("GET", "/feeds/{owner:str}/products.xml"): PUBLIC,
    # A seller's own bank account (where buyers' transfers go): households and cooperatives only.
    ("GET", "/api/v1/bank-account"): SELLERS,
    ("PUT", "/api/v1/bank-account"): SELLERS,
    ("DELETE", "/api/v1/bank-account"): SELLERS,
    ("GET", "/bank-account"): PAGE_SELLERS,
    ("POST", "/bank-account"): PAGE_SELLERS,
    ("POST", "/bank-account/remove"): PAGE_SELLERS,
    # cooperatives and members
    ("POST", "/api/v1/cooperatives"): MANAGER_ONLY,
    ("GET", "/api/v1/cooperatives"): COOP_REGISTER,
    ("GET", "/api/v1/cooperatives/{coop_id:int}"): COOP_READ_MEMBER,
    ("POST", "/api/v1/cooperatives/{coop_id:int}/status"): COOP_JUDGE,
    ("GET", "/api/v1/cooperatives/{coop_id:int}/members"): COOP_READ,
    # Assisted sign-up of a household that has no account.
    ("POST", "/api/v1/cooperatives/{coop_id:int}/members"): COOP_WRITE,
    # The cells aim at another member (a household's own id is its leave: test_coop_consent).
    ("DELETE", "/api/v1/cooperatives/{coop_id:int}/members/{household_id:int}"): COOP_WRITE,
    ("POST", "/api/v1/cooperatives/{coop_id:int}/members/{household_id:int}/sign-in-code"): COOP_WRITE,
    ("GET", "/api/v1/cooperatives/{coop_id:int}/invitations"): COOP_READ,
    ("POST", "/api/v1/cooperatives/{coop_id:int}/invitations"): COOP_WRITE,
    ("DELETE", "/api/v1/cooperatives/{coop_id:int}/invitations/{invitation_id:int}"): COOP_WRITE,
    ("POST", "/api/v1/cooperatives/{coop_id:int}/invitations/{invitation_id:int}/approve"): COOP_JUDGE,
    ("GET", "/api/v1/invitations"): HOUSEHOLD_SELF,
    ("POST", "/api/v1/invitations/{invitation_id:int}/accept"): INVITEE,
    ("POST", "/api/v1/invitations/{invitation_id:int}/decline"): INVITEE,
    ("GET", "/api/v1/me/cooperative"): HOUSEHOLD_SELF,
    ("GET", "/api/v1/account-claims"): COOP_REGISTER,
    ("POST", "/api/v1/account-claims/{claim_id:int}/confirm"): COOP_JUDGE,
    ("POST", "/api/v1/account-claims/{claim_id:int}/reject"): COOP_JUDGE,
    ("GET", "/coop"): PAGE_COOP,
    ("POST", "/coop"): PAGE_COOP,
    ("POST", "/coop/members"): PAGE_COOP,
    ("POST", "/coop/members/{household_id:int}/remove"): PAGE_COOP,
    ("POST", "/coop/invitations"): PAGE_COOP,
    ("POST", "/coop/invitations/{invitation_id:int}/cancel"): PAGE_COOP,
    ("GET", "/cooperative"): Access("login", *dataclasses.astuple(HOUSEHOLD_SELF)[1:]),
    ("POST", "/cooperative/invitations/{invitation_id:int}/accept"): Access(
        "login", *dataclasses.astuple(INVITEE)[1:]
    ),
    ("POST", "/cooperative/invitations/{invitation_id:int}/decline"): Access(
        "login", *dataclasses.astuple(INVITEE)[1:]
    ),
    # Its own membership: A leaves C for real, and the matrix has it join again (REJOIN).
    ("POST", "/cooperative/leave"): Access("login", "allow", "404", "403", "403", "403", "403"),
    ("GET", "/coop-register"): Access("login", *dataclasses.astuple(COOP_REGISTER)[1:]),
    ("POST", "/coop-register/{coop_id:int}/status"): Access("login", *dataclasses.astuple(COOP_JUDGE)[1:]),
    ("POST", "/coop-register/{coop_id:int}/invitations/{invitation_id:int}/approve"): Access(
        "login", *dataclasses.astuple(COOP_JUDGE)[1:]
    ),
    ("POST", "/coop-register/claims/{claim_id:int}/confirm"): Access(
        "login", *dataclasses.astuple(COOP_JUDGE)[1:]
    ),
    ("POST", "/coop-register/claims/{claim_id:int}/reject"): Access(
        "login", *dataclasses.astuple(COOP_JUDGE)[1:]
    ),
    # household imports (cooperatives and officers)
    ("POST", "/api/v1/household-imports"): IMPORT_UPLOAD,
    ("GET", "/api/v1/household-imports/{job_id:int}"): IMPORT_JOB,
    ("GET", "/api/v1/household-imports/{job_id:int}/problems.csv"): IMPORT_JOB,
    ("GET", "/households/import"): PAGE_IMPORT_UPLOAD,
    ("POST", "/households/import"): PAGE_IMPORT_UPLOAD,
    ("GET", "/households/import/{job_id:int}"): PAGE_IMPORT_JOB,
    ("GET", "/households/import/{job_id:int}/problems.csv"): PAGE_IMPORT_JOB,
    # An area's households (issue 26): officers of the area and admins list them and export them
    # with phones (a reason asked); one household also for itself and its cooperative's manager.
    # Every read is in the processing log, which the household itself reads.
    ("GET", "/api/v1/households"): STAFF_READ,
    ("GET", "/api/v1/households/export.csv"): STAFF_READ,
    ("GET", "/api/v1/households/{household_id:int}"): OWNED_READ,
    ("GET", "/api/v1/me/data-access"): HOUSEHOLD_SELF,
    ("GET", "/households"): PAGE_STAFF,
    ("GET", "/households/export.csv"): PAGE_STAFF,
    # indicators
    ("GET", "/api/v1/indicators"): STAFF_READ,
    ("GET", "/api/v1/indicators/export.csv"): STAFF_READ,
    ("GET", "/api/v1/indicators/export.xlsx"): STAFF_READ,
    ("GET", "/api/v1/open-data/households-selling"): PUBLIC,
    ("GET", "/api/v1/open-data/households-selling.csv"): PUBLIC,
    ("GET", "/indicators"): PAGE_STAFF,
    ("GET", "/indicators/export.csv"): PAGE_STAFF,
    ("GET", "/indicators/export.xlsx"): PAGE_STAFF,
    # declared listings (officers and coop managers record them)
    ("GET", "/api/v1/declared-listings/marketplaces"): PUBLIC,
    ("GET", "/api/v1/declared-listings"): OWNED_LIST,
    ("POST", "/api/v1/declared-listings"): Access("401", "403", "403", "allow", "allow", "404", "allow"),
    ("GET", "/api/v1/declared-listings/{listing_id:int}"): OWNED_READ,
    ("PATCH", "/api/v1/declared-listings/{listing_id:int}"): OVERSEEN_WRITE,
    # growing areas
    ("GET", "/api/v1/growing-areas"): OWNED_LIST,
    ("POST", "/api/v1/growing-areas"): CREATE_OWN,
    ("GET", "/api/v1/growing-areas/export.csv"): OWNED_LIST,
    ("GET", "/api/v1/growing-areas/{area_id:int}"): OWNED_READ,
    # Suspension and revocation follow plant-quarantine findings: staff decide.
    ("POST", "/api/v1/growing-areas/{area_id:int}/status"): JUDGE,
    # Officers and admins are sent on to the registry.
    ("GET", "/api/v1/packing-facilities"): OWNED_LIST,
    ("POST", "/api/v1/packing-facilities"): CREATE_OWN,
    ("GET", "/api/v1/packing-facilities/{facility_id:int}"): OWNED_READ,
    ("POST", "/api/v1/packing-facilities/{facility_id:int}/status"): JUDGE,
    ("GET", "/packing-facilities"): PAGE_LIST,
    ("POST", "/packing-facilities/new"): PAGE_CREATE_OWN,
    ("POST", "/packing-facilities/{facility_id:int}/status"): Access(
        "login", *dataclasses.astuple(JUDGE)[1:]
    ),
    ("GET", "/areas"): Access("login", "allow", "hidden", "allow", "allow", "allow", "allow"),
    ("GET", "/areas/new"): PAGE_SIGNED_IN,
    ("POST", "/areas/new"): PAGE_CREATE_OWN,
    ("POST", "/areas/{area_id:int}/status"): Access("login", *dataclasses.astuple(JUDGE)[1:]),
    ("GET", "/areas/registry"): PAGE_LIST,
    ("GET", "/areas/registry.csv"): PAGE_LIST,
    # batches, events, stamps
    ("GET", "/api/v1/batches"): OWNED_LIST,
    ("POST", "/api/v1/batches"): CREATE_FROM_OWNED,
    ("GET", "/api/v1/batches/{batch_id:int}"): OWNED_READ,
    ("PATCH", "/api/v1/batches/{batch_id:int}"): OWNED_WRITE,
    ("GET", "/api/v1/batches/{batch_id:int}/partners"): OWNED_READ,
    ("POST", "/api/v1/batches/{batch_id:int}/partners"): OWNED_WRITE,
    ("DELETE", "/api/v1/batches/{batch_id:int}/partners/{partner_id:int}"): OWNED_WRITE,
    ("GET", "/api/v1/batches/{batch_id:int}/epcis"): OWNED_READ,
    ("POST", "/api/v1/batches/{batch_id:int}/events"): OWNED_WRITE,
    ("POST", "/api/v1/batches/{batch_id:int}/clear"): OVERSEEN_WRITE,
    ("GET", "/api/v1/batches/{batch_id:int}/stamps"): OWNED_READ,
    ("POST", "/api/v1/batches/{batch_id:int}/stamps"): OWNED_WRITE,
    ("GET", "/api/v1/stamp-issues/{issue_id:int}"): OWNED_READ,
    ("POST", "/api/v1/stamps/revoke"): OWNED_WRITE,
    # Counterfeit warnings: whoever sees the batch reviews them (owner, its manager, officer of the area).
    ("GET", "/api/v1/batches/{batch_id:int}/scan-warnings"): OWNED_READ,
    ("POST", "/api/v1/batches/{batch_id:int}/scan-review"): OWNED_READ,
    ("GET", "/batches"): PAGE_LIST,
    ("GET", "/batches/new"): PAGE_SIGNED_IN,
    ("POST", "/batches/new"): PAGE_OWNED,  # from the product and area it names
    ("GET", "/batches/{batch_id:int}"): PAGE_READ,
    ("GET", "/batches/{batch_id:int}/epcis.json"): PAGE_READ,
    ("POST", "/batches/{batch_id:int}/events"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/partners"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/labels"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/partners/{partner_id:int}/delete"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/clear"): PAGE_OVERSEEN,
    ("GET", "/batches/{batch_id:int}/stamps/new"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/stamps/new"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/stamps/revoke"): PAGE_OWNED,
    ("POST", "/batches/{batch_id:int}/scan-review"): PAGE_READ,
    ("GET", "/stamps/issues/{issue_id:int}"): PAGE_READ,
    # the buyer's scan: public by design
    ("GET", "/api/v1/trace/{serial:str}"): PUBLIC,
    ("GET", "/t/{serial:str}"): PUBLIC,
    ("GET", "/T/{serial:str}"): PUBLIC,
    # The scratch-off PIN under the label: whoever holds the product may check it.
    ("POST", "/api/v1/trace/{serial:str}/pin"): PUBLIC,
    ("POST", "/t/{serial:str}"): PUBLIC,
    ("POST", "/T/{serial:str}"): PUBLIC,
    # The GS1 Digital Link resolver and its description file: public by the standard.
    ("GET", "/01/{tail:path}"): PUBLIC,
    ("GET", "/.well-known/gs1resolver"): PUBLIC,
    ("GET", "/t-assets/scan.css"): PUBLIC,
    # marketplaces and sync
    # Officers and admins own no seller account: refused, as on the page (not an empty list).
    ("GET", "/api/v1/marketplace-accounts"): SELLERS,
    ("POST", "/api/v1/marketplace-accounts"): SELLERS,
    ("GET", "/api/v1/products/{product_id:int}/listings"): OWNED_READ,
    ("POST", "/api/v1/products/{product_id:int}/listings"): OWNED_WRITE,
    ("POST", "/api/v1/listings/{listing_id:int}/retry"): OWNED_WRITE,
    # Stock shares (oversell guard): the listing's product decides who may set them.
    ("PUT", "/api/v1/listings/{listing_id:int}/share"): OWNED_WRITE,
    ("GET", "/products/{product_id:int}/marketplaces"): PAGE_OWNED,
    ("POST", "/listings/{listing_id:int}/share"): PAGE_OWNED,
    # Orders from the marketplaces: the seller's, its manager's and its area officer's to read.
    ("GET", "/api/v1/orders"): OWNED_LIST,
    # The order desk (issue 20): the sellers' work, so officers see none of it (their figures are
    # the indicators' and the orders API's).
    ("GET", "/api/v1/orders/inbox"): Access("401", "allow", "hidden", "allow", "hidden", "hidden", "allow"),
    ("GET", "/orders"): Access("login", "allow", "hidden", "allow", "hidden", "hidden", "allow"),
    # One order on the desk and its actions: the seller's and its manager's; anyone else's is absent.
    ("GET", "/api/v1/orders/{order_id:int}"): DESK,
    ("POST", "/api/v1/orders/{order_id:int}/confirm"): DESK,
    ("POST", "/api/v1/orders/{order_id:int}/cancel"): DESK,
    ("POST", "/api/v1/orders/{order_id:int}/cancellation"): DESK,
    ("GET", "/api/v1/orders/{order_id:int}/shipping-options"): DESK,
    ("POST", "/api/v1/orders/{order_id:int}/ship"): DESK,
    ("POST", "/api/v1/orders/{order_id:int}/restock"): DESK,
    ("GET", "/api/v1/orders/{order_id:int}/actions/{action_id:int}"): DESK,
    # The caller's own payouts by month (officers' and strangers' are empty).
    ("GET", "/api/v1/orders/payouts"): SIGNED_IN,
    # One order on the desk (its label, its page): another seller's, or an officer's look, is a 404.
    ("GET", "/api/v1/orders/{order_id:int}/label"): DESK,
    ("GET", "/orders/{order_id:int}/label.pdf"): PAGE_DESK,
    ("GET", "/orders/{order_id:int}"): PAGE_DESK,
    ("GET", "/orders/{order_id:int}/ship"): PAGE_DESK,
    ("POST", "/orders/{order_id:int}/confirm"): PAGE_DESK,
    ("POST", "/orders/{order_id:int}/cancel"): PAGE_DESK,
    ("POST", "/orders/{order_id:int}/cancellation"): PAGE_DESK,
    ("POST", "/orders/{order_id:int}/ship"): PAGE_DESK,
    ("POST", "/orders/{order_id:int}/restock"): PAGE_DESK,
    # An action's state for the phone's offline queue (issue 22), as the API's, with the web session.
    ("GET", "/orders/{order_id:int}/actions/{action_id:int}"): PAGE_DESK,
    # The caller's own parcels ready today, in one PDF (an empty day is a 409 in words); that no one
    # gets another seller's labels is tests/integrations/test_order_labels.py's.
    ("GET", "/orders/labels-today.pdf"): Access("login", *["allow"] * 6),
    ("POST", "/api/v1/trainings"): TRAINING_WRITE,
    ("GET", "/api/v1/trainings"): TRAINING_LIST,
    ("POST", "/api/v1/trainings/{training_id:int}/attendance"): TRAINING_WRITE,
    ("GET", "/trainings"): Access("login", *dataclasses.astuple(TRAINING_LIST)[1:]),
    ("POST", "/trainings"): Access("login", *dataclasses.astuple(TRAINING_WRITE)[1:]),
    ("GET", "/api/v1/sync-jobs"): ADMIN_ONLY,
    ("POST", "/api/v1/sync-jobs/{job_id:int}/retry"): ADMIN_ONLY,
    # Marketplaces sign their pushes (HMAC); no user is involved.
    ("POST", "/api/v1/webhooks/{marketplace:str}"): PUBLIC,
    # Zalo's OA webhook (delivery receipts): signed with the OA secret key, no user involved.
    ("POST", "/api/v1/channels/zalo/events"): PUBLIC,
    ("GET", "/marketplace-accounts"): PAGE_SELLERS,
    ("POST", "/marketplace-accounts/{marketplace:str}"): PAGE_SELLERS,
    ("POST", "/marketplace-accounts/{marketplace:str}/authorize"): PAGE_SELLERS,
    ("GET", "/marketplace-accounts/{marketplace:str}/authorized"): PAGE_SELLERS,
    # The card's poll of its listings' state: a read, though htmx sends it as a POST.
    ("POST", "/products/{product_id:int}/listings"): PAGE_READ,
    ("POST", "/products/{product_id:int}/listings/{marketplace:str}"): PAGE_OWNED,
    ("POST", "/listings/{listing_id:int}/retry"): PAGE_OWNED,
    # messages (issue 21): each caller's own inbox; preferences are a household's; the log an admin's
    ("GET", "/api/v1/messages"): SIGNED_IN,
    ("GET", "/api/v1/messages/unread-count"): SIGNED_IN,
    ("POST", "/api/v1/messages/{message_id:int}/read"): MESSAGE_OWN,
    ("POST", "/api/v1/messages/read-all"): SIGNED_IN,
    ("GET", "/api/v1/messages/preferences"): HOUSEHOLD_SELF,
    ("PUT", "/api/v1/messages/preferences"): HOUSEHOLD_SELF,
    ("GET", "/api/v1/admin/messages"): ADMIN_ONLY,
    ("GET", "/api/v1/push-subscriptions/key"): SIGNED_IN,
    ("POST", "/api/v1/push-subscriptions"): SIGNED_IN,
    ("POST", "/api/v1/push-subscriptions/remove"): SIGNED_IN,
    ("GET", "/messages"): PAGE_SIGNED_IN,
    ("GET", "/messages/bell"): PAGE_SIGNED_IN,
    ("POST", "/messages/{message_id:int}/read"): PAGE_MESSAGE_OWN,
    ("POST", "/messages/read-all"): PAGE_SIGNED_IN,
    ("POST", "/messages/preferences"): Access("login", *dataclasses.astuple(HOUSEHOLD_SELF)[1:]),
    # The page's twins of the push-subscription API (a session cookie, not a bearer token).
    ("POST", "/messages/push-subscription"): PAGE_SIGNED_IN,
    ("POST", "/messages/push-subscription/remove"): PAGE_SIGNED_IN,
    ("GET", "/admin/messages"): PAGE_ADMIN,
    # personal data (issue 26): the notice is public; consents and "My data" are every account's own
    # (nothing in a path names another's); closing an account is a household's own act only.
    ("GET", "/api/v1/me/consents"): SIGNED_IN,
    ("PUT", "/api/v1/me/consents"): SIGNED_IN,
    ("POST", "/api/v1/me/consents/{purpose:str}/give"): SIGNED_IN,
    ("POST", "/api/v1/me/consents/{purpose:str}/withdraw"): SIGNED_IN,
    ("POST", "/api/v1/me/confirm"): SIGNED_IN,
    ("GET", "/api/v1/me/data"): SIGNED_IN,
    ("GET", "/api/v1/me/data.csv"): SIGNED_IN,
    ("GET", "/api/v1/me/deletion"): HOUSEHOLD_SELF,
    ("POST", "/api/v1/me/deletion"): HOUSEHOLD_SELF,
    ("POST", "/api/v1/me/deletion/cancel"): HOUSEHOLD_SELF,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/privacy/consent"): PAGE_SIGNED_IN,
    ("POST", "/privacy/consent"): PAGE_SIGNED_IN,
    ("POST", "/privacy/consents/{purpose:str}"): PAGE_SIGNED_IN,
    ("GET", "/my-data"): PAGE_SIGNED_IN,
    ("POST", "/my-data/confirm"): PAGE_SIGNED_IN,
    ("GET", "/my-data/export.csv"): PAGE_SIGNED_IN,
    ("GET", "/my-data/export.json"): PAGE_SIGNED_IN,
    ("POST", "/my-data/deletion"): Access("login", *dataclasses.astuple(HOUSEHOLD_SELF)[1:]),
    ("POST", "/my-data/deletion/cancel"): Access("login", *dataclasses.astuple(HOUSEHOLD_SELF)[1:]),
    ("GET", "/admin/sync-jobs"): PAGE_ADMIN,
    ("POST", "/admin/sync-jobs/{job_id:int}/retry"): PAGE_ADMIN,
}
# Mounted marketplace and message-channel simulators (demo and tests only): they carry their own auth.
MOUNTED_APPS = {
    *("/sim/postmart", "/sim/voso", "/sim/shopee", "/sim/lazada", "/sim/tiktok"),
    *("/sim/zalo", "/sim/sms", "/sim/webpush"),
}


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every HTTP route the app serves; HEAD and OPTIONS come with GET."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method in route.route_handler_map
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_has_a_matrix_entry(app):
    served = app_routes(app)
    assert not served - MATRIX.keys(), "routes without an authorization entry: add them to MATRIX"
    assert not MATRIX.keys() - served, "MATRIX names routes the app no longer serves"
    mounted = {route.path for route in app.routes if not isinstance(route, HTTPRoute)}
    assert mounted == MOUNTED_APPS


MULTIPART_ROUTES = {
    "/api/v1/products/{product_id:int}/photos",
    "/api/v1/household-imports",
    "/api/v1/trainings/{training_id:int}/attendance",
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(key for key, access in MATRIX.items() if access.anonymous == "401"),
)
async def test_anonymous_is_refused_on_every_private_api_route(client, method, path):
    body = {} if method != "GET" else None
    if path in MULTIPART_ROUTES:
        response = await client.post(_concrete(path), files={"file": ("a.bin", b"x", "image/jpeg")})
    else:
        response = await client.request(method, _concrete(path), json=body)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
