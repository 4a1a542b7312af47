"""A small WooCommerce Store API server for testing the order canary's shopping step.

WordPress and WooCommerce cannot run where the tests run, so this implements the documented
contract of the Store API routes the canary uses, with the rules the documentation states, and
keeps stock and orders like a shop would:

- GET  /wc/store/v1/products             the catalogue (public); `per_page` (at most 100), `page`.
  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/products
- GET  /wc/store/v1/cart                 the cart of the session; answers with the headers
  `Cart-Token` and `Nonce` (and a session cookie).
  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/cart
  https://developer.woocommerce.com/docs/apis/store-api/cart-tokens
- POST /wc/store/v1/cart/add-item        {id, quantity}: 201 and the cart; stock rules below.
- POST /wc/store/v1/cart/update-customer {billing_address, shipping_address}: 200 and the cart,
  with the shipping rates of the address.
- POST /wc/store/v1/cart/select-shipping-rate {package_id, rate_id}: 200 and the cart.
- POST /wc/store/v1/checkout             {billing_address, shipping_address, payment_method,
  customer_note}: 200 and the order; the stock goes down.
  https://developer.woocommerce.com/docs/apis/store-api/resources-endpoints/checkout
Routes answer under /wp-json/... and under /?rest_route=/... alike, as WordPress does.

Nonces (https://developer.woocommerce.com/docs/apis/store-api/nonce-tokens): POST requests to
/cart and every /checkout request need a valid `Nonce` header, unless a valid `Cart-Token` is
sent. Missing both: 401 `woocommerce_rest_missing_nonce`; a wrong nonce: 403
`woocommerce_rest_invalid_nonce`. Every answer renews the nonce. Stricter than WordPress, on
purpose: only the newest nonce of a session is accepted, and a sent nonce is checked even next to
a Cart-Token, so a client that does not keep the renewed nonce fails here.

Errors have WooCommerce's shape: {"code": ..., "message": ..., "data": {"status": ...}}, with
WooCommerce's codes (woocommerce_rest_product_out_of_stock, woocommerce_rest_cart_empty,
woocommerce_rest_checkout_payment_method_disabled, ...).

Tests drive it in-process (`StoreApiServer`) and may inject faults per route (a status, a body,
or a hang), change the catalogue, and read every request it received (`requests`).
`python store_api_server.py --port 8080` serves it alone, for trying the canary by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

PREFIX = "/wc/store/v1/"
SESSION_COOKIE = "wp_woocommerce_session_urumitest"
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
REQUIRED_ADDRESS = ("first_name", "last_name", "address_1", "city", "postcode", "country")


@dataclass
class Product:
    id: int
    name: str
    sku: str
    price: int  # minor units (cents)
    stock: int | None = None  # None: stock not managed, always in stock
    type: str = "simple"
    purchasable: bool = True

    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


@dataclass
class Session:
    token: str
    nonce: str
    items: dict[int, int] = field(default_factory=dict)  # product id -> quantity
    billing: dict[str, Any] = field(default_factory=dict)
    shipping: dict[str, Any] = field(default_factory=dict)
    chosen_rate: str | None = None


@dataclass
class Order:
    id: int
    key: str
    status: str
    billing: dict[str, Any]
    shipping: dict[str, Any]
    payment_method: str
    customer_note: str
    items: dict[int, int]
    stock_reduced: bool


@dataclass
class Request:
    """What the server received: method, route ("cart/add-item"), headers (lower-case), body."""
    method: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """Answer this route with `status` and `body` instead, after hanging `hang` seconds
    (a hang alone, status None, then answers normally)."""
    status: int | None = 500
    body: Any = None
    hang: float = 0.0
    times: int | None = None  # None: every time


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class StoreState:
    """The shop: catalogue, carts, orders, the switches tests turn, and the request log."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.lock = threading.RLock()
        self.products: dict[int, Product] = {}
        self.sessions: dict[str, Session] = {}
        self.orders: dict[int, Order] = {}
        self.requests: list[Request] = []
        self.faults: dict[str, Fault] = {}
        # Called with the state after a route answered (e.g. sell a product out after listing).
        self.after: dict[str, Callable[[StoreState], None]] = {}
        self.gateways = {"cod"}
        self.cart_tokens = True  # False: a store that sends no Cart-Token (nonce + cookie only)
        self.preselect_rate = True  # WooCommerce selects the first rate; False: the client must
        self.next_order = 1001
        self.released = threading.Event()  # set when the server stops: hangs end

    def add_product(self, product: Product) -> Product:
        with self.lock:
            self.products[product.id] = product
        return product

    def fault(self, route: str, status: int | None = 500, body: Any = None, hang: float = 0.0,
              times: int | None = None) -> None:
        with self.lock:
            self.faults[route] = Fault(status, body, hang, times)

    def routes(self) -> list[str]:
        with self.lock:
            return [f"{r.method} {r.route}" for r in self.requests]

    # ------------------------------------------------------------------ JSON shapes

    def product_json(self, p: Product) -> dict[str, Any]:
        price = str(p.price)
        return {
            "id": p.id, "name": p.name, "slug": p.sku.lower(), "parent": 0, "type": p.type,
            "variation": "", "permalink": f"https://{self.domain}/product/{p.sku.lower()}/",
            "sku": p.sku, "short_description": "", "description": "",
            "on_sale": False,
            "prices": {"price": price, "regular_price": price, "sale_price": price,
                       "price_range": None, "currency_code": "USD", "currency_symbol": "$",
                       "currency_minor_unit": 2, "currency_decimal_separator": ".",
                       "currency_thousand_separator": ",", "currency_prefix": "$",
                       "currency_suffix": ""},
            "images": [], "categories": [], "tags": [], "attributes": [], "variations": [],
            "has_options": p.type != "simple", "is_purchasable": p.purchasable,
            "is_in_stock": p.in_stock(), "is_on_backorder": False,
            "low_stock_remaining": p.stock if p.stock is not None and p.stock <= 2 else None,
            "sold_individually": False,
            "add_to_cart": {"text": "Add to cart", "description": f"Add “{p.name}” to your cart",
                            "url": f"?add-to-cart={p.id}", "minimum": 1, "maximum": 9999,
                            "multiple_of": 1},
        }

    def rates(self, session: Session) -> list[dict[str, Any]]:
        if not session.items:
            return []
        chosen = session.chosen_rate or ("free_shipping:1" if self.preselect_rate else None)
        rate = {"rate_id": "free_shipping:1", "name": "Free shipping", "description": "",
                "delivery_time": "", "price": "0", "taxes": "0", "instance_id": 1,
                "method_id": "free_shipping", "meta_data": [], "currency_code": "USD",
                "currency_minor_unit": 2, "selected": chosen == "free_shipping:1"}
        return [{"package_id": 0, "name": "Shipment 1", "destination": {
            k: session.shipping.get(k, "") for k in
            ("address_1", "address_2", "city", "state", "postcode", "country")},
            "items": [{"key": f"item{pid}", "name": self.products[pid].name, "quantity": qty}
                      for pid, qty in session.items.items()],
            "shipping_rates": [rate]}]

    def cart_json(self, session: Session) -> dict[str, Any]:
        items, total = [], 0
        for pid, qty in session.items.items():
            p = self.products[pid]
            total += p.price * qty
            items.append({"key": f"item{pid}", "id": pid, "quantity": qty, "name": p.name,
                          "sku": p.sku, "prices": self.product_json(p)["prices"],
                          "totals": {"line_subtotal": str(p.price * qty),
                                     "line_total": str(p.price * qty)}})
        return {
            "items": items, "coupons": [], "fees": [],
            "totals": {"total_items": str(total), "total_shipping": "0", "total_price": str(total),
                       "total_tax": "0", "currency_code": "USD", "currency_minor_unit": 2},
            "shipping_address": session.shipping, "billing_address": session.billing,
            "needs_payment": bool(items), "needs_shipping": bool(items),
            "payment_requirements": ["products"], "has_calculated_shipping": bool(session.shipping),
            "shipping_rates": self.rates(session),
            "items_count": sum(session.items.values()), "items_weight": 0,
            "cross_sells": [], "errors": [], "payment_methods": sorted(self.gateways),
            "extensions": {},
        }

    def order_json(self, order: Order) -> dict[str, Any]:
        return {
            "order_id": order.id, "status": order.status, "order_key": order.key,
            "order_number": str(order.id), "customer_note": order.customer_note,
            "customer_id": 0, "billing_address": order.billing,
            "shipping_address": order.shipping, "payment_method": order.payment_method,
            "payment_result": {"payment_status": "success", "payment_details": [],
                               "redirect_url": f"https://{self.domain}/checkout/order-received/"
                                               f"{order.id}/?key={order.key}"},
            "additional_fields": {}, "__experimentalCart": None, "extensions": {},
        }

    # ------------------------------------------------------------------ the rules

    def session_for(self, headers: dict[str, str], cookies: dict[str, str]) -> Session | None:
        token = headers.get("cart-token")
        if token and token in self.sessions:
            return self.sessions[token]
        token = cookies.get(SESSION_COOKIE)
        return self.sessions.get(token) if token else None

    def authorise(self, headers: dict[str, str], cookies: dict[str, str]) -> Session:
        """The nonce rule of POST /cart/* and /checkout (see the module docstring)."""
        nonce = headers.get("nonce") or headers.get("x-wc-store-api-nonce")
        by_token = self.sessions.get(headers.get("cart-token", ""))
        session = self.session_for(headers, cookies)
        if nonce is None and by_token is None:
            raise ApiError(401, "woocommerce_rest_missing_nonce",
                           "Missing the Nonce header. This endpoint requires a valid nonce.")
        if nonce is not None and (session is None or nonce != session.nonce):
            raise ApiError(403, "woocommerce_rest_invalid_nonce", "Nonce is invalid.")
        assert session is not None
        return session

    def handle(self, method: str, route: str, body: Any, headers: dict[str, str],
               cookies: dict[str, str], query: dict[str, str]) -> tuple[int, Any, Session | None]:
        if method == "GET" and route == "products":
            per_page = min(max(int(query.get("per_page", "10") or 10), 1), 100)
            page = max(int(query.get("page", "1") or 1), 1)
            listed = sorted(self.products.values(), key=lambda p: p.id)
            window = listed[(page - 1) * per_page: page * per_page]
            return 200, [self.product_json(p) for p in window], self.session_for(headers, cookies)
        if method == "GET" and route == "cart":
            session = self.session_for(headers, cookies)
            if session is None:
                session = Session(token=secrets.token_urlsafe(24), nonce="")
                self.sessions[session.token] = session
            return 200, self.cart_json(session), session
        if method == "POST" and route.startswith("cart/"):
            session = self.authorise(headers, cookies)
            return (*self.cart_write(route, body if isinstance(body, dict) else {}, session), session)
        if route == "checkout":
            session = self.authorise(headers, cookies)
            if method == "POST":
                return 200, self.checkout(body if isinstance(body, dict) else {}, session), session
        raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def cart_write(self, route: str, body: dict[str, Any], session: Session) -> tuple[int, Any]:
        if route == "cart/add-item":
            product = self.products.get(body.get("id")) if isinstance(body.get("id"), int) else None
            quantity = body.get("quantity", 1)
            if product is None:
                raise ApiError(400, "woocommerce_rest_cart_invalid_product",
                               "This product cannot be added to the cart.")
            if not isinstance(quantity, int) or quantity < 1:
                raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): quantity")
            if not product.purchasable or product.type != "simple":
                raise ApiError(400, "woocommerce_rest_product_not_purchasable",
                               f"&quot;{product.name}&quot; is not available for purchase.")
            if not product.in_stock():
                raise ApiError(400, "woocommerce_rest_product_out_of_stock",
                               f"You cannot add &quot;{product.name}&quot; to the cart because "
                               "the product is out of stock.")
            wanted = session.items.get(product.id, 0) + quantity
            if product.stock is not None and wanted > product.stock:
                raise ApiError(400, "woocommerce_rest_product_partially_out_of_stock",
                               f"You cannot add that amount of &quot;{product.name}&quot; to the "
                               "cart because there is not enough stock.")
            session.items[product.id] = wanted
            return 201, self.cart_json(session)
        if route == "cart/update-customer":
            for key, target in (("billing_address", session.billing),
                                ("shipping_address", session.shipping)):
                address = body.get(key)
                if address is None:
                    continue
                if not isinstance(address, dict):
                    raise ApiError(400, "rest_invalid_param", f"Invalid parameter(s): {key}")
                email = address.get("email")
                if key == "billing_address" and email and not EMAIL.match(str(email)):
                    raise ApiError(400, "rest_invalid_param",
                                   "Invalid parameter(s): billing_address")
                target.clear()
                target.update(address)
            return 200, self.cart_json(session)
        if route == "cart/select-shipping-rate":
            rates = [r["rate_id"] for p in self.rates(session) for r in p["shipping_rates"]]
            if body.get("rate_id") not in rates:
                raise ApiError(400, "woocommerce_rest_cart_invalid_rate",
                               "The provided rate id is not valid.")
            session.chosen_rate = body["rate_id"]
            return 200, self.cart_json(session)
        raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def checkout(self, body: dict[str, Any], session: Session) -> dict[str, Any]:
        if not session.items:
            raise ApiError(400, "woocommerce_rest_cart_empty", "Cannot create order from empty cart.")
        billing = body.get("billing_address") or {}
        shipping = body.get("shipping_address") or {}
        missing = [k for k in REQUIRED_ADDRESS if not str(billing.get(k, "")).strip()]
        if missing or not EMAIL.match(str(billing.get("email", ""))):
            raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): billing_address "
                           f"(missing or invalid: {', '.join(missing) or 'email'})")
        if [k for k in REQUIRED_ADDRESS if not str(shipping.get(k, "")).strip()]:
            raise ApiError(400, "rest_invalid_param", "Invalid parameter(s): shipping_address")
        method = body.get("payment_method")
        if not method:
            raise ApiError(400, "woocommerce_rest_checkout_missing_payment_method",
                           "Please provide a payment method.")
        if method not in self.gateways:
            raise ApiError(400, "woocommerce_rest_checkout_payment_method_disabled",
                           "This payment gateway is not available.")
        if not any(r["selected"] for p in self.rates(session) for r in p["shipping_rates"]):
            raise ApiError(400, "woocommerce_rest_checkout_invalid_shipping_method",
                           "Please select a shipping method.")
        for pid, qty in session.items.items():
            product = self.products[pid]
            if product.stock is not None and product.stock < qty:
                raise ApiError(409, "woocommerce_rest_cart_error",
                               f"There is not enough &quot;{product.name}&quot; in stock.")
        for pid, qty in session.items.items():
            if self.products[pid].stock is not None:
                self.products[pid].stock -= qty
        order = Order(id=self.next_order, key=f"wc_order_{secrets.token_hex(6)}",
                      status="processing", billing=dict(billing), shipping=dict(shipping),
                      payment_method=method, customer_note=str(body.get("customer_note", "")),
                      items=dict(session.items), stock_reduced=True)
        self.next_order += 1
        self.orders[order.id] = order
        session.items.clear()
        session.chosen_rate = None
        return self.order_json(order)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "StoreApiServer"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read `requests`
        pass

    def do_GET(self) -> None:
        self.serve("GET")

    def do_POST(self) -> None:
        self.serve("POST")

    def do_PUT(self) -> None:
        self.serve("PUT")

    def serve(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        full_route = query.pop("rest_route", None) or (
            url.path[len("/wp-json"):] if url.path.startswith("/wp-json/") else url.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            if "=" in part:
                name, value = part.split("=", 1)
                cookies[name.strip()] = value.strip()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self.answer(400, {"code": "rest_invalid_json", "message": "Invalid JSON body passed.",
                              "data": {"status": 400}})
            return
        if not full_route.startswith(PREFIX):
            self.answer(404, {"code": "rest_no_route", "message": "No route was found matching "
                              "the URL and request method.", "data": {"status": 404}})
            return
        route = full_route[len(PREFIX):]
        with state.lock:
            state.requests.append(Request(method, route, query, headers, body))
            fault = state.faults.get(route)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times < 0:
                    fault = None
        if fault is not None:
            if fault.hang:
                state.released.wait(fault.hang)
            if fault.status is not None:
                error = fault.body if fault.body is not None else {
                    "code": "internal_server_error", "message": "Injected failure",
                    "data": {"status": fault.status}}
                self.answer(fault.status, error)
                return
        session = None
        with state.lock:
            try:
                status, payload, session = state.handle(method, route, body, headers, cookies, query)
            except ApiError as error:
                status, payload = error.status, {"code": error.code, "message": error.message,
                                                 "data": {"status": error.status}}
                session = state.session_for(headers, cookies)
            extra = []
            if session is not None:
                # Every answer renews the nonce (the client must send the newest).
                session.nonce = secrets.token_hex(5)
                extra.append(("Nonce", session.nonce))
                extra.append(("Nonce-Timestamp", "1700000000"))
                if state.cart_tokens:
                    extra.append(("Cart-Token", session.token))
                extra.append(("Set-Cookie", f"{SESSION_COOKIE}={session.token}; path=/; HttpOnly"))
            hook = state.after.get(route)
            if hook is not None and status < 400:
                hook(state)
        self.answer(status, payload, extra)

    def answer(self, status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> None:
        if isinstance(payload, (bytes, str)):
            data = payload.encode() if isinstance(payload, str) else payload
            content_type = "text/html; charset=UTF-8"
        else:
            data = json.dumps(payload).encode()
            content_type = "application/json; charset=UTF-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra or []:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


class StoreApiServer(ThreadingHTTPServer):
    """The server on 127.0.0.1 (port 0: any free port), in a background thread."""

    daemon_threads = True

    def __init__(self, domain: str = "shop.example.com", port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = StoreState(domain)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "StoreApiServer":
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.released.set()
        self.shutdown()
        self.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Store API test double.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--domain", default="shop.example.com")
    args = parser.parse_args()
    with StoreApiServer(args.domain, args.port) as server:
        server.state.add_product(Product(42, "Urumi Sample Tee", "URUMI-SAMPLE-001", 2999, 100))
        print(f"Store API test server on {server.url} (domain {args.domain}); Ctrl-C stops it")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
