//! The OpenAPI 3.1 document of `/api/v1`, written by hand (the API is small;
//! a generator would cost more build time than it saves). A test checks
//! that every API route of the router is described here.

use axum::Json;
use serde_json::{Value, json};

/// Every path the API router serves (kept in step with `api::router`).
#[cfg_attr(not(test), allow(dead_code))]
pub const PATHS: &[&str] = &[
    "/api/v1/admin-units",
    "/api/v1/admin-units/{code}",
    "/api/v1/admin-units/{code}/lineage",
    "/api/v1/me",
    "/api/v1/children",
    "/api/v1/organisations",
    "/api/v1/openapi.json",
    "/api/v1/needs",
    "/api/v1/needs/{id}",
    "/api/v1/needs/{id}/status",
    "/api/v1/allocations",
    "/api/v1/allocations/proposals",
    "/api/v1/allocations/proposals/{token}/accept",
    "/api/v1/public/needs/{id}/pledges",
    "/api/v1/catalogue",
    "/api/v1/catalogue/periods",
    "/api/v1/catalogue/age-bands",
    "/api/v1/catalogue/age-bands/{code}",
    "/api/v1/catalogue/packages",
    "/api/v1/donors",
    "/api/v1/donors/{id}/gifts",
    "/api/v1/imports/needs",
    "/api/v1/imports/donors",
    "/api/v1/pledges",
    "/api/v1/pledges/{id}/commit",
    "/api/v1/receipts",
    "/api/v1/deliveries",
    "/api/v1/deliveries/{id}",
    "/api/v1/deliveries/{id}/handover",
    "/api/v1/deliveries/{id}/acceptance",
    "/api/v1/deliveries/{id}/cosign",
    "/api/v1/nonconformities/{id}/resolve",
    "/api/v1/rollups",
    "/api/v1/flows",
    "/api/v1/transfers",
    "/api/v1/reversals",
    "/api/v1/expenditures",
    "/api/v1/stores",
    "/api/v1/stores/{id}",
    "/api/v1/stores/{id}/adjustments",
    "/api/v1/stores/{id}/counts",
    "/api/v1/pledges/{id}/instalments",
    "/api/v1/ledger/key",
    "/api/v1/ledger/keys",
    "/api/v1/ledger/sth",
    "/api/v1/ledger/sths",
    "/api/v1/ledger/entries",
    "/api/v1/ledger/proof/inclusion",
    "/api/v1/ledger/proof/consistency",
];

fn unit_schema() -> Value {
    json!({"type": "object", "required": ["code","name","type","level","valid_from","valid_to"],
        "properties": {
            "code": {"type": "string", "example": "20035"},
            "name": {"type": "string", "example": "Xã Bình Tiến"},
            "type": {"type": "string", "example": "Xã"},
            "level": {"type": "string", "enum": ["province","district","commune"]},
            "parent_code": {"type": ["string","null"]},
            "valid_from": {"type": ["string","null"], "format": "date", "description": "null: in force before the records begin (11/09/2019)"},
            "valid_to": {"type": ["string","null"], "format": "date", "description": "exclusive; null: still in force"}}})
}

/// Receipts, deliveries and roll-ups (kept apart: `json!` has a recursion
/// limit).
fn flow_paths(err: &Value) -> Value {
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let rep = json!({"type": "object", "properties": {"name": {"type": "string"}, "position": {"type": "string"}},
        "description": "staff or a principal — never a child"});
    let conflict = json!({"description": "beyond what was allocated, received or needed: {error, message, remaining}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({
        "/api/v1/receipts": {
            "get": {"summary": "Receipts, newest first (donor officers and coordinators)", "security": [{"bearer": []}],
                "responses": {"200": {"description": "{receipts: [{id, receipt_no, received_on, kind, method, amount, account, receiver_id, receiver_name, pledge_id, donor_id, donor_name}]}"}, "401": err, "403": err}},
            "post": {"summary": "Record money or goods received against a committed pledge, numbered per receiver and year. Goods with `store_id` and `items` go into that store (its `in` events in the same transaction; the amount is the items' valuation, never typed)", "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                    "required": ["pledge_id","kind","receiver_id","received_on"],
                    "properties": {"pledge_id": {"type": "string"}, "kind": {"type": "string", "enum": ["money","goods"]},
                        "amount": {"type": "integer", "minimum": 1, "description": "required unless goods into a store"},
                        "method": {"type": "string", "enum": ["bank","cash","goods"]},
                        "account": {"type": "string", "description": "required unless goods into a store"}, "receiver_id": {"type": "string"},
                        "received_on": {"type": "string", "format": "date"},
                        "store_id": {"type": "string"},
                        "items": {"type": "array", "items": {"type": "object", "required": ["name","unit","quantity","unit_value"],
                            "properties": {"name": {"type": "string"}, "unit": {"type": "string"},
                                "quantity": {"type": "integer", "minimum": 1}, "unit_value": {"type": "integer", "minimum": 0}}}}}}}}},
                "responses": {"201": {"description": "{id, receipt_no}"}, "400": err, "401": err, "403": err, "404": err, "409": conflict, "422": err}}},
        "/api/v1/deliveries": {
            "get": {"summary": "Deliveries of need lines in the caller's area", "security": [{"bearer": []}],
                "responses": {"200": {"description": "{deliveries: [{id, need_line_id, site_name, unit_code, category, form, value, accepted, children_served, status, planned_on, handed_over_on, minutes_no, accepted_on}]}"}, "401": err, "403": err}},
            "post": {"summary": "Plan a delivery to a need line, or record one handed over (`hand_over: true`); goods are valued at the package's prices", "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                    "required": ["need_line_id","giver_id","form","on"],
                    "properties": {"need_line_id": {"type": "string"}, "giver_id": {"type": "string"},
                        "form": {"type": "string", "enum": ["goods","money"]},
                        "quantities": {"type": "array", "items": {"type": "object", "required": ["item","quantity"],
                            "properties": {"item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 0}}}},
                        "amount": {"type": "integer", "minimum": 0}, "children_served": {"type": "integer", "minimum": 0},
                        "on": {"type": "string", "format": "date"}, "hand_over": {"type": "boolean"},
                        "place": {"type": "string"}, "giver_rep": rep, "receiver_rep": rep, "note": {"type": "string"}}}}}},
                "responses": {"201": {"description": "{id, status, value, minutes_no}"}, "400": err, "401": err, "403": err, "404": err, "409": conflict, "422": err}}},
        "/api/v1/deliveries/{id}/handover": {"post": {"summary": "Record the handover of a planned delivery (the minutes get their number)", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["on"],
                "properties": {"on": {"type": "string", "format": "date"}, "place": {"type": "string"}, "giver_rep": rep, "receiver_rep": rep}}}}},
            "responses": {"200": {"description": "{id, status, minutes_no}"}, "400": err, "401": err, "403": err, "404": err, "409": conflict, "422": err}}},
        "/api/v1/deliveries/{id}/acceptance": {"post": {"summary": "The receiving site's checklist and decision (status site_signed until the commune co-signs)", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["decided_on","decision"],
                "properties": {"decided_on": {"type": "string", "format": "date"}, "decision": {"type": "string", "enum": ["accept","reject"]},
                    "answers": {"type": "array", "items": {"type": "object", "required": ["kind","passed"], "properties": {
                        "kind": {"type": "string"}, "passed": {"type": "boolean"}, "note": {"type": "string"},
                        "quantity": {"type": "integer"}, "value": {"type": "integer"},
                        "action": {"type": "string", "enum": ["replace","return","discount"]}, "resolved": {"type": "boolean"}}}}}}}}},
            "responses": {"200": {"description": "{id, status, accepted}"}, "400": err, "401": err, "403": err, "404": err, "409": conflict, "422": err}}},
        "/api/v1/deliveries/{id}/cosign": {"post": {"summary": "The commune's co-signature of what the receiving site signed (a different person); only the co-signature accepts the delivery", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["decided_on","decision"],
                "properties": {"decided_on": {"type": "string", "format": "date"}, "decision": {"type": "string", "enum": ["accept","reject"]}}}}}},
            "responses": {"200": {"description": "{id, status, accepted}"}, "400": err, "401": err, "403": err, "404": err, "409": conflict, "422": err}}},
        "/api/v1/rollups": {"get": {"summary": "Need, pledged, committed, received, allocated, delivered, accepted and gap rolled up within the caller's area; each group's gap is the sum of its lines' own gaps", "security": [{"bearer": []}],
            "parameters": [{"name": "by", "in": "query", "schema": {"type": "string", "enum": ["site","commune","category","period","programme"], "default": "commune"}},
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "period_id", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "{by, groups: [{key, label, lines, quantity, need, pledged, committed, received, allocated, delivered, accepted, children_served, gap}], total}"}, "400": err, "401": err, "403": err}}}
    })
}

/// Money passed on, stores and stock, and instalments (kept apart: `json!`
/// has a recursion limit).
fn money_paths(err: &Value) -> Value {
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let totals = json!({"type": "object", "description": "đồng, computed from flows",
        "properties": {"received": {"type": "integer"}, "came_in": {"type": "integer"},
            "passed_on": {"type": "integer"}, "spent": {"type": "integer"},
            "held": {"type": "integer", "description": "received + came_in − passed_on − spent"}}});
    let held = json!({"description": "more than the organisation holds of this receipt: {error, message, held}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let beyond = json!({"description": "more than the store holds: {error, message, item, available}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let event = "{id, seq, kind (in|out|adjustment|count), item, unit, quantity, counted, unit_value, receipt_id, delivery_id, reason, occurred_on, recorded_by}";
    json!({
        "/api/v1/flows": {"get": {"summary": "Money passed on. With `org`: one organisation's flows in and out, its expenditures and what it holds of each receipt (ViewUnitData on its commune, or the province for a city-level body). Without: the city's totals (city-wide roles only, else null), a commune's with `unit`, and the organisations with flows in scope; donors' money counted once, the state budget apart",
            "security": [{"bearer": []}],
            "parameters": [{"name": "org", "in": "query", "schema": {"type": "string"}},
                {"name": "unit", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "{organisation, totals, transfers_in, transfers_out, expenditures, holdings: [{receipt_id, receipt_no, held}], may_record} or {city, unit: {unit_code, totals}, organisations: [{id, name, org_type, unit_code, totals}]}",
                "content": {"application/json": {"schema": {"type": "object", "properties": {"totals": totals}}}}},
                "401": err, "403": err, "404": err}}},
        "/api/v1/transfers": {"post": {"summary": "Pass (part of) a money receipt from the organisation holding it to another (RecordFlows on the sender), with its ledger leaf", "security": [{"bearer": []}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                "required": ["from_org_id","receipt_id","to_org_id","amount","transferred_on"],
                "properties": {"from_org_id": {"type": "string"}, "receipt_id": {"type": "string"}, "to_org_id": {"type": "string"},
                    "amount": {"type": "integer", "minimum": 1}, "transferred_on": {"type": "string", "format": "date"},
                    "note": {"type": "string", "description": "internal, never public"}}}}}},
            "responses": {"201": {"description": "{id, held_by_sender}"}, "400": err, "401": err, "403": err, "404": err, "409": held, "422": err}}},
        "/api/v1/expenditures": {"post": {"summary": "Record (part of) a money receipt as spent by the organisation holding it (RecordFlows on it), optionally on a need line funded by the receipt's commitment", "security": [{"bearer": []}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                "required": ["org_id","receipt_id","amount","spent_on"],
                "properties": {"org_id": {"type": "string"}, "receipt_id": {"type": "string"}, "need_line_id": {"type": ["string","null"]},
                    "amount": {"type": "integer", "minimum": 1}, "spent_on": {"type": "string", "format": "date"},
                    "description": {"type": "string", "description": "internal, never public"}}}}}},
            "responses": {"201": {"description": "{id, held}"}, "400": err, "401": err, "403": err, "404": err, "409": held, "422": err}}},
        "/api/v1/reversals": {"post": {"summary": "Reverse a receipt, allocation, transfer or expenditure (bút toán đảo): a new entry with a reason and a `reversal` ledger leaf, never an edit; the reversed record counts in no total from then on. Receipts and allocations: Allocate; transfers and expenditures: RecordFlows on the sender or spender. Refused while live records still draw on it (reverse those first)", "security": [{"bearer": []}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                "required": ["kind","id","reason"],
                "properties": {"kind": {"type": "string", "enum": ["receipt","allocation","transfer","expenditure"]}, "id": {"type": "string"},
                    "reason": {"type": "string", "minLength": 1, "description": "internal, never in the public ledger"}}}}}},
            "responses": {"201": {"description": "{id, kind, target_id, amount, reason, created_by, created_at}"}, "400": err, "401": err, "403": err, "404": err,
                "409": {"description": "Already reversed, goods already in a store, or still drawn on: {error, message, drawn_on: [{kind: allocation|transfer|expenditure|delivery, id, amount}]}",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                        "drawn_on": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string"}, "id": {"type": "string"}, "amount": {"type": "integer"}}}}}}}}},
                "422": err}}},
        "/api/v1/deliveries/{id}": {"get": {"summary": "One delivery of a need line in the caller's area, with its non-conformities", "security": [{"bearer": []}],
            "parameters": [id],
            "responses": {"200": {"description": "{id, need_line_id, unit_code, form, value, status, accepted, planned_on, handed_over_on, minutes_no, accepted_on, nonconformities: [{id, check_kind, description, quantity, value, action, resolved, resolution_note, resolved_by}]}"}, "401": err, "403": err, "404": err}}},
        "/api/v1/nonconformities/{id}/resolve": {"post": {"summary": "The receiving side (the site, or its commune) marks a non-conformity followed up, with a note", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["note"],
                "properties": {"note": {"type": "string"}, "on": {"type": "string", "format": "date", "description": "default today"}}}}}},
            "responses": {"200": {"description": "{nonconformity, delivery_id, status, accepted}"}, "400": err, "401": err, "403": err, "404": err, "409": err, "422": err}}},
        "/api/v1/catalogue/periods": {"post": {"summary": "Add a period: an explicit date range, the end after the start (coordinators)", "security": [{"bearer": []}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name","starts_on","ends_on"],
                "properties": {"name": {"type": "string"}, "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"}}}}}},
            "responses": {"201": {"description": "{id, name, starts_on, ends_on}"}, "400": err, "401": err, "403": err, "422": err}}},
        "/api/v1/catalogue/age-bands": {
            "get": {"summary": "The age bands packages are fitted to, in display order: the plan's preschool (3–5) and primary (6–10), the catch-all other (no ages), and those the coordinator added",
                "responses": {"200": {"description": "{age_bands: [{code, name_vi, name_en, min_age, max_age, built_in}]}"}}},
            "post": {"summary": "Add an age band (coordinators): a code of 2–16 lower-case letters, digits or _ beginning with a letter, names in both languages, ages 0–25 that overlap no other band's", "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["code","name_vi","name_en","min_age","max_age"],
                    "properties": {"code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,15}$"}, "name_vi": {"type": "string"}, "name_en": {"type": "string"},
                        "min_age": {"type": "integer", "minimum": 0, "maximum": 25}, "max_age": {"type": "integer", "minimum": 0, "maximum": 25}}}}}},
                "responses": {"201": {"description": "{code, name_vi, name_en, min_age, max_age, built_in}"}, "400": err, "401": err, "403": err,
                    "409": {"description": "a band with this code exists", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "422": {"description": "refused: band-error-code, band-error-name, band-error-ages, band-error-overlap (names the band overlapped)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        "/api/v1/catalogue/age-bands/{code}": {
            "put": {"summary": "Rename an added age band or change its ages (coordinators); ages 0–25 that overlap no other band's. The plan's bands are fixed", "security": [{"bearer": []}],
                "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name_vi","name_en","min_age","max_age"],
                    "properties": {"name_vi": {"type": "string"}, "name_en": {"type": "string"},
                        "min_age": {"type": "integer", "minimum": 0, "maximum": 25}, "max_age": {"type": "integer", "minimum": 0, "maximum": 25}}}}}},
                "responses": {"200": {"description": "{code, name_vi, name_en, min_age, max_age, built_in}"}, "400": err, "401": err, "403": err, "404": err,
                    "409": {"description": "band-error-built-in: the plan's bands are fixed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "422": {"description": "band-error-name, band-error-ages, band-error-overlap", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
            "delete": {"summary": "Delete an added age band that no package version and no pledge names (coordinators)", "security": [{"bearer": []}],
                "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "deleted"}, "401": err, "403": err, "404": err,
                    "409": {"description": "band-error-built-in, or band-error-in-use with {packages, pledges}: the counts that name it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        "/api/v1/catalogue/packages": {"post": {"summary": "Add a version of a package (a new code starts at version 1); need lines keep the version they were entered with (coordinators)", "security": [{"bearer": []}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["code","name","category","age_band","items"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                    "category": {"type": "string", "enum": ["healthcare","nutrition","recreation","warm_clothing","other"]},
                    "age_band": {"type": "string", "description": "the code of an age band in GET /api/v1/catalogue/age-bands (preschool, primary, other, or one added)"},
                    "items": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name","unit","quantity","unit_value"],
                        "properties": {"name": {"type": "string"}, "unit": {"type": "string"},
                            "quantity": {"type": "integer", "minimum": 1}, "unit_value": {"type": "integer", "minimum": 1}}}}}}}}},
            "responses": {"201": {"description": "{id, code, version, unit_value}"}, "400": err, "401": err, "403": err,
                "422": {"description": "refused: {error, message, index} (index: the item, 0-based, when one is at fault)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        "/api/v1/donors/{id}/gifts": {"get": {"summary": "What a donor's gifts became: each pledge with its instalments (overdue marked), receipts, and every allocation followed to its need line — delivered, accepted, children served as counts with small cells suppressed (officers and coordinators)", "security": [{"bearer": []}],
            "parameters": [id],
            "responses": {"200": {"description": "{donor_id, donor_name, pledges: [{pledge_id, kind, amount, status, received, instalments: [{amount, due_on, overdue}], overdue, receipts: [{id, receipt_no, received_on, kind, amount}], gifts: [{allocation_id, need_line_id, site_name, unit_code, category, period_name, allocated, delivered, accepted, children}], children_total}]} — children and children_total are text: a count, or a suppression mark"}, "401": err, "403": err, "404": err}}},
        "/api/v1/stores": {
            "get": {"summary": "Stores (kho) in the caller's scope", "security": [{"bearer": []}],
                "responses": {"200": {"description": "{stores: [{id, org_id, name, address, unit_code}]}"}, "401": err, "403": err}},
            "post": {"summary": "Open a store for an organisation in scope (ManageStock)", "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["org_id","name"],
                    "properties": {"org_id": {"type": "string"}, "name": {"type": "string"}, "address": {"type": "string"}}}}}},
                "responses": {"201": {"description": "{id, org_id, name, address, unit_code}"}, "400": err, "401": err, "403": err, "422": err}}},
        "/api/v1/stores/{id}": {"get": {"summary": "A store's stock, computed from its movements (never typed), and its movements newest first", "security": [{"bearer": []}],
            "parameters": [id],
            "responses": {"200": {"description": format!("{{store, stock: [{{item, unit, quantity}}], events: [{event}], may_manage}}")}, "401": err, "403": err, "404": err}}},
        "/api/v1/stores/{id}/adjustments": {"post": {"summary": "A signed stock change with its reason (damaged, lost, found …); never below zero (ManageStock on the store's unit)", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["item","unit","change","reason"],
                "properties": {"item": {"type": "string"}, "unit": {"type": "string"}, "change": {"type": "integer"},
                    "reason": {"type": "string"}, "on": {"type": "string", "format": "date", "description": "default today"}}}}}},
            "responses": {"201": {"description": event}, "400": err, "401": err, "403": err, "404": err, "409": beyond, "422": err}}},
        "/api/v1/stores/{id}/counts": {"post": {"summary": "A stocktake: each line counted becomes a count event of the difference from the computed stock; items not listed are left as they are", "security": [{"bearer": []}],
            "parameters": [id],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["lines"],
                "properties": {"lines": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["item","unit","counted"],
                    "properties": {"item": {"type": "string"}, "unit": {"type": "string"}, "counted": {"type": "integer", "minimum": 0}}}},
                    "on": {"type": "string", "format": "date"}, "note": {"type": "string"}}}}}},
            "responses": {"201": {"description": format!("{{events: [{event}]}}")}, "400": err, "401": err, "403": err, "404": err, "422": err}}},
        "/api/v1/pledges/{id}/instalments": {
            "get": {"summary": "A pledge's instalments in due order, what was received and what is overdue (ManageDonors)", "security": [{"bearer": []}],
                "parameters": [id],
                "responses": {"200": {"description": "{pledge_id, amount, status, received, instalments: [{amount, due_on}], overdue: null | {since, missing}}"}, "401": err, "403": err, "404": err}},
            "put": {"summary": "Replace a pledge's instalments as a whole; they must add up to the pledge (ManageDonors)", "security": [{"bearer": []}],
                "parameters": [id],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["instalments"],
                    "properties": {"instalments": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["amount","due_on"],
                        "properties": {"amount": {"type": "integer", "minimum": 1}, "due_on": {"type": "string", "format": "date"}}}}}}}}},
                "responses": {"200": {"description": "the schedule as stored (as GET)"}, "400": err, "401": err, "403": err, "404": err,
                    "409": {"description": "the pledge is cancelled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "422": {"description": "empty, an amount ≤ 0 or two on one date ({index}, 0-based), or not adding up to the pledge ({sum})",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}
    })
}

/// The public pledge and the optimiser's proposals (kept apart: `json!`
/// has a recursion limit).
fn proposal_paths(err: &Value) -> Value {
    let item = json!({"type": "object", "required": ["pledge_id","need_line_id","amount"],
        "properties": {"pledge_id": {"type": "string"}, "need_line_id": {"type": "string"},
            "amount": {"type": "integer", "minimum": 1}}});
    let refused = json!({"description": "an item refused by the overlap guard or the pledge's balance (nothing written): {error, message, index, excess?, existing?, remaining?}; or the token was accepted before",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({
        "/api/v1/public/needs/{id}/pledges": {"post": {"summary": "A visitor (no login) offers money on a published need line, as on its public page: a name, an amount from 1 to what the line still lacks. Recorded as `pledged` (not counted) until the coordinator commits it; the donor and the pledge are written in one transaction. JSON only",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name","amount"],
                "properties": {"name": {"type": "string"}, "contact": {"type": "string", "description": "phone or e-mail, never shown publicly"},
                    "amount": {"type": "integer", "minimum": 1}, "publish_name": {"type": "boolean", "default": false,
                        "description": "consent to show the name publicly; otherwise anonymous"}}}}}},
            "responses": {"201": {"description": "{id, code, status: pledged, amount, need_line_id, payment_page}"},
                "400": err, "404": err, "422": err}}},
        "/api/v1/allocations/proposals": {"post": {"summary": "Run the allocation optimiser over committed money not yet allocated and the open gaps of verified or published lines (coordinators). Nothing is written; the answer carries a token to accept it with",
            "security": [{"bearer": []}],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object",
                "properties": {"mode": {"type": "string", "enum": ["priority","maxmin"], "default": "priority",
                    "description": "maxmin: max–min fairness by commune (falls back to priority if the LP does not answer in time: maxmin_unavailable)"}}}}}},
            "responses": {"200": {"description": "{token, mode, maxmin_unavailable, total_gap, available, proposed, gini, items: [{pledge_id, donor, need_line_id, need_label, amount, priority, why}], short: [{need_line_id, need_label, missing, reason}], communes: [{unit_code, name, gap, priority, maxmin}], figures: {priority, maxmin}, floor_note}"},
                "400": err, "401": err, "403": err, "422": err}}},
        "/api/v1/allocations/proposals/{token}/accept": {"post": {"summary": "Accept a proposal: the items sent back (amounts may be lowered) are allocated in one transaction through the overlap guard, audited under the token — all or nothing; a token accepted before adds nothing (409)",
            "security": [{"bearer": []}],
            "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,64}$"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["items"],
                "properties": {"mode": {"type": "string", "enum": ["priority","maxmin"]}, "items": {"type": "array", "items": item}}}}}},
            "responses": {"201": {"description": "{token, mode, allocations: [id], total}"},
                "400": err, "401": err, "403": err, "404": err, "409": refused, "422": err}}}
    })
}

/// Imports of need lines and donors from a file (kept apart: `json!` has a
/// recursion limit).
fn import_paths(err: &Value) -> Value {
    let problem = json!({"type": "object", "required": ["row","column","message_vi","message_en"],
        "properties": {"row": {"type": "integer", "description": "spreadsheet row (the header is row 1); 0 for the file as a whole"},
            "column": {"type": ["string","null"], "description": "the column's letter and header, e.g. \"A (Mã điểm hỗ trợ)\""},
            "message_vi": {"type": "string", "description": "what is wrong and what is expected, in Vietnamese"},
            "message_en": {"type": "string"}}});
    let body = json!({"required": true, "description": "the file itself (not multipart): CSV (UTF-8 or UTF-16 with BOM; comma, semicolon or tab) or XLSX (the first sheet), with the headers of the template under /templates/",
        "content": {"text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}});
    let dry_run = json!({"name": "dry_run", "in": "query", "required": false, "schema": {"type": "string", "enum": ["1","0"]},
        "description": "1: check every row and write nothing"});
    let ok = json!({"type": "object", "properties": {"dry_run": {"type": "boolean"}, "valid": {"type": "integer"},
        "written": {"type": "integer"}, "rows": {"type": "array", "items": {"type": "object", "properties": {"row": {"type": "integer"}, "id": {"type": "string", "description": "when written"}}}},
        "warnings": {"type": "array", "items": problem}}});
    let refused = json!({"description": "a row is wrong: nothing was written. {error: import_refused, message, dry_run, written: 0, problems: [{row, column, message_vi, message_en}], warnings}",
        "content": {"application/json": {"schema": {"type": "object", "properties": {
            "error": {"type": "string"}, "message": {"type": "string"}, "dry_run": {"type": "boolean"}, "written": {"type": "integer"},
            "problems": {"type": "array", "items": problem}, "warnings": {"type": "array", "items": problem}}}}}});
    json!({
        "/api/v1/imports/needs": {"post": {"summary": "Import need lines (status assessed) from a file, all rows or none: sites by id or name (in force, in the caller's scope — EditUnitData), package codes (latest version), periods by id or name, number of children (1.200 or 1,200 accepted); a line that already exists is refused. Columns: Mã điểm hỗ trợ or Tên điểm hỗ trợ, Mã gói, Đợt, Số trẻ, Độ tuổi (optional), Ghi chú",
            "security": [{"bearer": []}], "parameters": [dry_run], "requestBody": body,
            "responses": {"200": {"description": "dry run: every row valid, nothing written", "content": {"application/json": {"schema": ok}}},
                "201": {"description": "every row written in one transaction", "content": {"application/json": {"schema": ok}}},
                "400": {"description": "the content type is neither text/csv nor the XLSX type", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "401": err, "403": err, "422": refused}}},
        "/api/v1/imports/donors": {"post": {"summary": "Import donors from a file, all rows or none (ManageDonors). Likely duplicates of stored donors (same tax code, phone or e-mail, the same or a very similar name) are warnings, not refusals. Columns: Tên, Loại, Trong nước/Nước ngoài, Nhóm, Mã số thuế, Điện thoại, Email, Đồng ý công khai tên, Ẩn danh",
            "security": [{"bearer": []}], "parameters": [dry_run], "requestBody": body,
            "responses": {"200": {"description": "dry run: every row valid, nothing written", "content": {"application/json": {"schema": ok}}},
                "201": {"description": "every row written in one transaction", "content": {"application/json": {"schema": ok}}},
                "400": {"description": "the content type is neither text/csv nor the XLSX type", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "401": err, "403": err, "422": refused}}}
    })
}

pub async fn document() -> Json<Value> {
    let on = json!({"name": "on", "in": "query", "required": false,
        "schema": {"type": "string", "format": "date"}, "description": "YYYY-MM-DD; default today"});
    let code = json!({"name": "code", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"}});
    let err = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let flows = flow_paths(&err);
    let money = money_paths(&err);
    let proposals = proposal_paths(&err);
    let imports = import_paths(&err);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "Chung Tay API", "version": "1",
                 "description": "Mobilising support for children in the mountain communes of Huế. Public endpoints need no login; others take `Authorization: Bearer <token>`."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "AdminUnit": unit_schema(),
                "Error": {"type": "object", "required": ["error","message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"}, "error_id": {"type": "string"}}}
            }
        },
        "paths": {
            "/api/v1/admin-units": {"get": {"summary": "Units in force on a date", "parameters": [on,
                {"name": "level", "in": "query", "schema": {"type": "string", "enum": ["province","district","commune"]}}],
                "responses": {"200": {"description": "units", "content": {"application/json": {"schema": {"type": "object",
                    "properties": {"on": {"type": "string"}, "units": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUnit"}}}}}}},
                    "400": err}}},
            "/api/v1/admin-units/{code}": {"get": {"summary": "The unit that bore a code on a date",
                "parameters": [code, on],
                "responses": {"200": {"description": "the unit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdminUnit"}}}},
                    "400": err, "404": err}}},
            "/api/v1/admin-units/{code}/lineage": {"get": {"summary": "Predecessors and successors across every change",
                "parameters": [code, on],
                "responses": {"200": {"description": "lineage", "content": {"application/json": {"schema": {"type": "object",
                    "properties": {"unit": {"$ref": "#/components/schemas/AdminUnit"},
                        "predecessors": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUnit"}},
                        "successors": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUnit"}}}}}}},
                    "400": err, "404": err}}},
            "/api/v1/me": {"get": {"summary": "The authenticated user", "security": [{"bearer": []}],
                "responses": {"200": {"description": "user"}, "401": err}}},
            "/api/v1/organisations": {"get": {"summary": "Organisations within the caller's scope", "security": [{"bearer": []}],
                "responses": {"200": {"description": "organisations"}, "401": err, "403": err}}},
            "/api/v1/children": {"get": {"summary": "Children's registry within the caller's scope (commune and site officers' tokens only; personal IDs masked; every call logged as an export)",
                "security": [{"bearer": []}],
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "name search, diacritics and case ignored"},
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
                "responses": {"200": {"description": "{children: [{id, full_name, birth_date, birth_precision, sex, ethnicity, commune_code, village, guardian_name, personal_id_masked, sources, source_types}], count}"}, "401": err, "403": err}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI document"}}}},
            "/api/v1/needs": {
                "get": {"summary": "Need lines: published ones for the public, those in scope for staff, largest gap first",
                    "responses": {"200": {"description": "need lines with need, pledged, committed, received, delivered, accepted and gap in đồng, and children served"}}},
                "post": {"summary": "Enter a need line (status assessed) for a site in the caller's scope", "security": [{"bearer": []}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                        "required": ["site_id","period_id","package_id","quantity"],
                        "properties": {"site_id": {"type": "string"}, "period_id": {"type": "string"},
                            "package_id": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1},
                            "note": {"type": "string"}}}}}},
                    "responses": {"201": {"description": "created"}, "400": err, "401": err, "403": err, "422": err}}},
            "/api/v1/needs/{id}": {"get": {"summary": "One need line and what covers it; for coordinators also `eligible_pledges` [{pledge_id, donor, remaining}]: committed pledges with money left whose restrictions allow the line",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the line"}, "404": err}}},
            "/api/v1/needs/{id}/status": {"post": {"summary": "Verify, publish, return or cancel a need line", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["transition"],
                    "properties": {"transition": {"type": "string", "enum": ["verify","publish","return","cancel"]},
                        "reason": {"type": "string"}}}}}},
                "responses": {"200": {"description": "new status"}, "403": err, "404": err, "422": err}}},
            "/api/v1/allocations": {"post": {"summary": "Allocate part of a committed pledge to a need line, behind the overlap guard",
                "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                    "required": ["need_line_id","pledge_id","amount"],
                    "properties": {"need_line_id": {"type": "string"}, "pledge_id": {"type": "string"},
                        "amount": {"type": "integer", "minimum": 1},
                        "override_reason": {"type": "string", "description": "coordinators only: cover beyond the need, logged"},
                        "basis": {"type": "string", "enum": ["commitment", "received"], "default": "commitment",
                            "description": "commitment: earmark committed money (bounded by committed − allocated); received: assign only money already received (bounded by received − allocated)"}}}}}},
                "responses": {"201": {"description": "allocated"},
                    "409": {"description": "refused: the line is already covered (body names the existing coverage), or the pledge has too little left (committed, or received for basis=received; body gives remaining)",
                        "content": {"application/json": {"schema": {"type": "object", "properties": {
                            "error": {"type": "string"}, "message": {"type": "string"}, "excess": {"type": "integer"},
                            "existing": {"type": "array", "items": {"type": "object", "properties": {
                                "need_line_id": {"type": "string"}, "source": {"type": "string"}, "amount": {"type": "integer"}}}}}}}}},
                    "401": err, "403": err, "404": err, "422": err}}},
            "/api/v1/catalogue": {"get": {"summary": "Periods and current package versions", "responses": {"200": {"description": "catalogue"}}}},
            "/api/v1/donors": {
                "get": {"summary": "Donors (officers and coordinators)", "security": [{"bearer": []}],
                    "responses": {"200": {"description": "donors"}, "401": err, "403": err}},
                "post": {"summary": "Record a donor; likely duplicates answer 409 unless `confirm` is true", "security": [{"bearer": []}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                        "required": ["name","kind","origin","donor_type"],
                        "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["organisation","individual"]},
                            "origin": {"type": "string", "enum": ["domestic","foreign"]},
                            "donor_type": {"type": "string", "enum": ["business","fund","mass_organisation","individual","other"]},
                            "tax_code": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"},
                            "publish_name": {"type": "boolean"}, "anonymous": {"type": "boolean"}, "confirm": {"type": "boolean"}}}}}},
                    "responses": {"201": {"description": "created"}, "409": err, "422": err}}},
            "/api/v1/pledges": {"get": {"summary": "Pledges, newest first, with what is allocated from each (officers and coordinators); `status=pledged` lists the offers waiting to be committed, public ones included (origin public, need_line_id)", "security": [{"bearer": []}],
                "parameters": [{"name": "donor_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["pledged","committed","cancelled"]}}],
                "responses": {"200": {"description": "{pledges: [{id, code, donor_id, kind, amount, allocated, status, origin, need_line_id, categories, unit_codes, age_bands, period_id, due_on, note}]}"}, "401": err, "403": err, "422": err}},
                "post": {"summary": "Record a pledge (counted only once committed)", "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["donor_id","kind","amount"],
                    "properties": {"donor_id": {"type": "string"}, "kind": {"type": "string", "enum": ["money","goods","service"]},
                        "amount": {"type": "integer", "minimum": 1},
                        "categories": {"type": ["array","null"], "items": {"type": "string"}},
                        "unit_codes": {"type": ["array","null"], "items": {"type": "string"}},
                        "age_bands": {"type": ["array","null"], "items": {"type": "string"}},
                        "period_id": {"type": "string"}, "due_on": {"type": "string", "format": "date"},
                        "committed": {"type": "boolean"}, "note": {"type": "string"}}}}}},
                "responses": {"201": {"description": "created"}, "404": err, "422": err}}},
            "/api/v1/pledges/{id}/commit": {"post": {"summary": "Confirm a pledge as committed", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "committed"}, "404": err, "422": err}}},
            "/api/v1/ledger/key": {"get": {"summary": "The public key that signs tree heads now (Ed25519)",
                "responses": {"200": {"description": "{\"algorithm\":\"ed25519\",\"public_key\":base64,\"key_id\"}"}}}},
            "/api/v1/ledger/keys": {"get": {"summary": "Every key that has signed heads, retired ones included",
                "responses": {"200": {"description": "keys"}}}},
            "/api/v1/ledger/sth": {"get": {"summary": "The latest signed tree head. The signature (base64) is Ed25519 over 64 bytes: ASCII \"ChungTay-STH-v1\" and one 0x00, tree_size (u64 big-endian), timestamp in ms (u64 big-endian), the 32-byte root hash",
                "responses": {"200": {"description": "{tree_size, root_hash (hex), timestamp (ms), signature (base64), key_id}"}}}},
            "/api/v1/ledger/sths": {"get": {"summary": "Every published tree head, oldest first (check consistency between any two)",
                "responses": {"200": {"description": "heads"}}}},
            "/api/v1/ledger/entries": {"get": {"summary": "Leaves start..=end (inclusive, at most 1000 per request), each the base64 of its exact canonical JSON bytes",
                "parameters": [{"name": "start", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
                    {"name": "end", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}}],
                "responses": {"200": {"description": "{entries: [{index, leaf}]}"}, "400": err}}},
            "/api/v1/ledger/proof/inclusion": {"get": {"summary": "RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `tree_size` leaves",
                "parameters": [{"name": "index", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
                    {"name": "tree_size", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": "{leaf_index, tree_size, audit_path: [hex]}"}, "400": err}}},
            "/api/v1/ledger/proof/consistency": {"get": {"summary": "RFC 9162 §2.1.4 consistency proof between tree sizes `first` ≤ `second`",
                "parameters": [{"name": "first", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
                    {"name": "second", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}}],
                "responses": {"200": {"description": "{first, second, proof: [hex]}"}, "400": err}}}
        }
    });
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), flows) {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), money) {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), proposals) {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), imports) {
        paths.extend(more);
    }
    Json(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_document_describes_exactly_the_served_paths() {
        let Json(doc) = document().await;
        let mut described: Vec<&str> = doc["paths"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        described.sort_unstable();
        let mut served: Vec<&str> = PATHS.to_vec();
        served.sort_unstable();
        assert_eq!(described, served);
        let source = include_str!("mod.rs");
        // …and every /api/v1 route in the router is documented.
        let mut routed: Vec<String> = source
            .split("\"/api/v1/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(|p| format!("/api/v1/{p}"))
            .collect();
        routed.sort_unstable();
        routed.dedup();
        let served_owned: Vec<String> = served.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(routed, served_owned, "routed /api/v1 paths vs documented");
        for path in PATHS {
            assert!(
                source.contains(&format!("\"{path}\"")),
                "{path} not routed in api/mod.rs"
            );
        }
    }
}
