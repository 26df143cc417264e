"""DynamoDB requests per API call of the batch, timeline and sharing endpoints (counted, not timed).

Budget (issue 4): list batches 1, batch detail with timeline 1, create event 1, status change 1,
public view 2. Run: `python -m bench.bench_requests_per_call` (or `python -m bench requests_per_call`).
"""

from bench import harness

BUDGET = {
    "GET /batches": 1,
    "GET /batches/{id} (with timeline)": 1,
    "POST /batches/{id}/events": 1,
    "POST /batches/{id}/events {fed} (re-times reminders)": 3,
    "PATCH /batches/{id} {status}": 1,
    "GET /public/b/{token}": 2,
}


def main() -> None:
    harness.with_emulator(_run)


def _run() -> None:
    from django.test import Client

    from apps.core.aws.counting import count_requests

    user = harness.signed_in_user()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {user.access_token}")
    anonymous = Client()
    client.get("/api/v1/batches")  # warm-up: the per-process revocation check
    batch = client.post("/api/v1/batches", {"name": "Bench milk", "kind": "milk"}, content_type="application/json")
    batch_id = batch.json()["id"]
    for n in range(60):
        client.post(f"/api/v1/batches/{batch_id}/events", {"type": "note", "note": f"n{n}"},
                    content_type="application/json")
    token = client.post(f"/api/v1/batches/{batch_id}/share").json()["token"]

    def version() -> int:
        return client.get(f"/api/v1/batches/{batch_id}").json()["version"]

    calls = [
        ("GET /batches", lambda: client.get("/api/v1/batches")),
        ("POST /batches", lambda: client.post("/api/v1/batches", {"name": "b", "kind": "water"},
                                              content_type="application/json")),
        ("GET /batches/{id} (with timeline)", lambda: client.get(f"/api/v1/batches/{batch_id}")),
        ("GET /batches/{id}/events", lambda: client.get(f"/api/v1/batches/{batch_id}/events")),
        ("GET /batches/{id}/events?type=fed", lambda: client.get(f"/api/v1/batches/{batch_id}/events?type=fed")),
        ("POST /batches/{id}/events", lambda: client.post(f"/api/v1/batches/{batch_id}/events", {"type": "note"},
                                                          content_type="application/json")),
        ("POST /batches/{id}/events {fed} (re-times reminders)", lambda: client.post(
            f"/api/v1/batches/{batch_id}/events", {"type": "fed"}, content_type="application/json")),
        ("PATCH /batches/{id} {name}", lambda: client.patch(
            f"/api/v1/batches/{batch_id}", {"version": version_now[0], "name": "x"}, content_type="application/json")),
        ("PATCH /batches/{id} {status}", lambda: client.patch(
            f"/api/v1/batches/{batch_id}", {"version": version_now[0], "status": "in_fridge"},
            content_type="application/json")),
        ("POST /batches/{id}/share (again)", lambda: client.post(f"/api/v1/batches/{batch_id}/share")),
        ("GET /public/b/{token}", lambda: anonymous.get(f"/api/v1/public/b/{token}")),
        ("GET /b/{token} (page)", lambda: anonymous.get(f"/b/{token}")),
    ]
    version_now = [0]
    rows = []
    for name, call in calls:
        version_now[0] = version()
        with count_requests() as counter:
            response = call()
        budget = BUDGET.get(name)
        verdict = "" if budget is None else ("ok" if counter.count <= budget else "OVER")
        rows.append([name, response.status_code, counter.count, budget if budget is not None else "-", verdict,
                     " ".join(counter.operations)])
    header = ["endpoint", "status", "requests", "budget", "", "operations"]
    harness.print_table("DynamoDB requests per API call", header, rows)
    print("\nA status change is TransactGetItems + TransactWriteItems: a transaction returns no attributes, the")
    print("response is the whole batch (and the machine needs the current status), and the batch's automatic")
    print("reminders change in the same transaction; so does an event that moves them (issue 20's budget: 3).")


if __name__ == "__main__":
    main()
