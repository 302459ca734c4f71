"""Writes the small TPC-like database of story S1 into a directory, deterministically.

  customer/part-0.csv           CSV with a header: ids, first/last names, emails, country
  customer_address/part-0.json  JSON lines
  item/part-0.csv               CSV without a header: id, name, category
  web_sales/part-0.csv          CSV with a header: order, item, state, amount

usage: gen_data.py OUTDIR
"""
import csv
import json
import os
import sys

STATES = ["CA", "TX", "NY", "WA", "FL"]
CATEGORIES = ["Electronics", "Books", "Home", "Sports"]
COUNTRIES = ["US", "FR", "JP"]
CUSTOMERS, ITEMS, SALES = 50, 40, 1000


def main(out):
    for d in ("customer", "customer_address", "item", "web_sales"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    with open(os.path.join(out, "customer", "part-0.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["c_customer_sk", "c_first_name", "c_last_name", "c_email_address", "c_birth_country"])
        for i in range(1, CUSTOMERS + 1):
            w.writerow([i, "First%d" % i, "Last%d" % i, "c%d@example.com" % i, COUNTRIES[i % len(COUNTRIES)]])
    with open(os.path.join(out, "customer_address", "part-0.json"), "w") as f:
        for i in range(1, CUSTOMERS + 1):
            f.write(json.dumps({"ca_address_sk": i, "ca_street": "%d Main St" % i, "ca_state": STATES[i % len(STATES)]}) + "\n")
    with open(os.path.join(out, "item", "part-0.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for i in range(1, ITEMS + 1):
            w.writerow([i, "Item %d" % i, CATEGORIES[i % len(CATEGORIES)]])
    with open(os.path.join(out, "web_sales", "part-0.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ws_order_number", "ws_item_sk", "ws_state", "ws_net_paid"])
        for i in range(SALES):
            w.writerow([i + 1, i % ITEMS + 1, STATES[i % len(STATES)], "%.2f" % ((i % 1000) / 10)])
    print("generated %d customers, %d addresses, %d items, %d web sales" % (CUSTOMERS, CUSTOMERS, ITEMS, SALES))


if __name__ == "__main__":
    main(sys.argv[1])
