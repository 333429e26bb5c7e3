//! The public portal and the open data, through the router without a login:
//! anonymous and non-consenting donors never named or contactable in any
//! output; children counts suppressed so that no small cell can be
//! subtracted back; totals equal to what storage holds; the IATI export
//! well-formed with the expected transactions; CSV with a BOM and a header,
//! JSON that parses. SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, NaiveDate, Utc};
use common::{Client, Resp};
use domain::needs::delivery::{CheckAnswer, Decision, NcAction};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::audit::AuditActor;
use storage::donors::{Donor, Pledge};

/// Every personal detail the seed gives a donor who must stay unnamed,
/// and the details of the public donor that are never published either.
const SECRETS: [&str; 13] = [
    // Anonymous (consented to a name, but asked to be anonymous).
    "Lê Văn Giấu Tên",
    "0912000111",
    "giauten@example.vn",
    "8001112223",
    // Did not consent to publication.
    "Phạm Thị Kín Đáo",
    "0988777666",
    "kindao@example.com",
    // The public donor's contacts and tax code.
    "3301234567",
    "0234 3888777",
    "lienhe@minhbach.vn",
    // The staff member who allocated, and those who signed the minutes.
    "Cán Bộ Điều Phối Thử",
    "Nguyễn Giao Hàng Thử",
    "Trần Nhận Hàng Thử",
];
const PUBLIC_DONOR: &str = "Công ty TNHH Minh Bạch";
/// A line that was assessed but never published.
const HIDDEN_SITE: &str = "Điểm trường Chưa Công Bố";

const FILES: [&str; 9] = [
    "needs.csv",
    "needs.json",
    "receipts.csv",
    "receipts.json",
    "allocations.csv",
    "allocations.json",
    "children.csv",
    "children.json",
    "iati-activities.xml",
];

struct Seed {
    client: Client,
    db: storage::Db,
    /// Need line ids by name (l1 …).
    lines: BTreeMap<&'static str, String>,
}

impl std::ops::Deref for Seed {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Two communes of today: A Lưới 1 (20056, which absorbed 20047 on
/// 1 Jul 2025 — a site still filed under 20047 belongs to it) and 20164.
/// Fully received lines give children A Lưới 1: warm 3, nutrition 40 + 6;
/// 20164: warm 12, nutrition 25 — so the 3 is small and pulls three more
/// cells into hiding.
async fn seed() -> Seed {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let staff = AuditActor {
        id: None,
        name: "Cán Bộ Điều Phối Thử".into(),
    };
    let now = Utc::now();
    let org = |id: &str, name: &str, kind: &str, unit: &str| storage::organisations::Organisation {
        id: id.into(),
        name: name.into(),
        short_name: None,
        org_type: kind.into(),
        parent_id: None,
        unit_code: Some(unit.into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    for o in [
        org("th-a", "Trường Tiểu học A Lưới Thử", "school", "20056"),
        org("th-b", "Trường Tiểu học Hồng Vân Thử", "school", "20047"),
        org("th-c", "Trường Tiểu học Nam Đông Thử", "school", "20164"),
        org("dt-c", "Điểm trường Nam Đông Thử", "school_site", "20164"),
        org("tyt-c", "Trạm Y tế Nam Đông Thử", "health_station", "20164"),
        org("dt-x", HIDDEN_SITE, "school_site", "20164"),
        org("quy", "Quỹ Bảo trợ trẻ em Thử", "fund", "46"),
    ] {
        storage::organisations::create(&db, &o, &sys, now)
            .await
            .expect("org");
    }
    let period = storage::catalogue::Period {
        id: "winter".into(),
        name: "Mùa đông thử".into(),
        starts_on: date(2025, 11, 1),
        ends_on: date(2026, 3, 1),
        is_demo: false,
    };
    storage::catalogue::create_period(&db, &period, &sys, now)
        .await
        .expect("period");
    let mut packages = BTreeMap::new();
    for (code, cat, value) in [
        ("ĐA-T", Category::WarmClothing, 100_000),
        ("DD-T", Category::Nutrition, 50_000),
    ] {
        let pkg = PackageVersion {
            code: code.into(),
            version: 0,
            name: format!("Gói {code}"),
            category: cat,
            age_band: AgeBand::PRIMARY,
            items: vec![PackageItem {
                name: "Vật phẩm".into(),
                unit: "gói".into(),
                quantity: 1,
                unit_value: value,
            }],
        };
        let id = storage::catalogue::add_package_version(&db, &pkg, false, &sys, now)
            .await
            .expect("package")
            .id;
        packages.insert(cat.as_str(), id);
    }
    // (name, site, category, children, publish?)
    let plan: [(&'static str, &str, &str, i64, bool); 8] = [
        ("l1", "th-a", "warm_clothing", 3, true),
        ("l2", "th-a", "nutrition", 40, true),
        ("l3", "th-b", "nutrition", 6, true),
        ("l4", "th-c", "warm_clothing", 12, true),
        ("l5", "th-c", "nutrition", 25, true),
        ("l6", "dt-c", "warm_clothing", 10, true),
        ("l7", "tyt-c", "nutrition", 8, true),
        ("l8", "dt-x", "nutrition", 9, false),
    ];
    let mut lines = BTreeMap::new();
    for (name, site, cat, children, publish) in plan {
        let id = storage::needs::create(
            &db,
            &storage::needs::NewNeedLine {
                site_id: site.into(),
                period_id: "winter".into(),
                package_id: packages[cat].clone(),
                quantity: children,
                note: String::new(),
                is_demo: false,
            },
            &sys,
            now,
        )
        .await
        .expect("query")
        .expect("valid line");
        if publish {
            for (from, to) in [
                (NeedStatus::Assessed, NeedStatus::Verified),
                (NeedStatus::Verified, NeedStatus::Published),
            ] {
                assert!(
                    storage::needs::set_status(&db, &id, from, to, None, &sys, now)
                        .await
                        .expect("status")
                );
            }
        }
        lines.insert(name, id);
    }
    let donor = |id: &str, name: &str, kind: &str, origin: &str, publish: bool, anon: bool| Donor {
        id: id.into(),
        kind: if kind == "business" {
            "organisation".into()
        } else {
            "individual".into()
        },
        name: name.into(),
        origin: origin.into(),
        donor_type: kind.into(),
        tax_code: None,
        phone: None,
        email: None,
        publish_name: publish,
        anonymous: anon,
        is_demo: false,
    };
    let d1 = Donor {
        tax_code: Some("3301234567".into()),
        phone: Some("0234 3888777".into()),
        email: Some("lienhe@minhbach.vn".into()),
        ..donor("d1", PUBLIC_DONOR, "business", "domestic", true, false)
    };
    let d2 = Donor {
        tax_code: Some("8001112223".into()),
        phone: Some("0912000111".into()),
        email: Some("giauten@example.vn".into()),
        ..donor(
            "d2",
            "Lê Văn Giấu Tên",
            "individual",
            "domestic",
            true,
            true,
        )
    };
    let d3 = Donor {
        phone: Some("0988777666".into()),
        email: Some("kindao@example.com".into()),
        ..donor(
            "d3",
            "Phạm Thị Kín Đáo",
            "individual",
            "foreign",
            false,
            false,
        )
    };
    for d in [&d1, &d2, &d3] {
        storage::donors::create(&db, d, &sys, now)
            .await
            .expect("donor");
    }
    for (id, donor_id, kind, amount) in [
        ("p1", "d1", "money", 2_600_000),
        ("p2", "d2", "money", 300_000),
        ("p3", "d3", "goods", 2_450_000),
    ] {
        let p = Pledge {
            id: id.into(),
            donor_id: donor_id.into(),
            kind: kind.into(),
            amount,
            status: "committed".into(),
            categories: None,
            unit_codes: None,
            age_bands: None,
            period_id: None,
            due_on: None,
            origin: "officer".into(),
            need_line_id: None,
            note: String::new(),
            is_demo: false,
            number: None,
        };
        storage::donors::create_pledge(&db, &p, &sys, now)
            .await
            .expect("pledge");
    }
    // Allocations, in this order (receipts fill them in order).
    for (i, (line, pledge, amount)) in [
        ("l2", "p1", 2_000_000),
        ("l1", "p1", 300_000),
        ("l6", "p1", 300_000),
        ("l3", "p2", 300_000),
        ("l4", "p3", 1_200_000),
        ("l5", "p3", 1_250_000),
    ]
    .into_iter()
    .enumerate()
    {
        let req = storage::allocations::AllocationRequest {
            need_line_id: lines[line].clone(),
            pledge_id: pledge.into(),
            amount,
            override_reason: None,
            may_override: false,
            is_demo: false,
        };
        let at = now + Duration::seconds(i64::try_from(i).expect("small"));
        storage::allocations::allocate(&db, &req, &staff, at)
            .await
            .expect("query")
            .expect("allocation allowed");
    }
    for (pledge, kind, method, amount) in [
        ("p1", "money", "bank", 2_300_000),
        ("p2", "money", "cash", 300_000),
        ("p3", "goods", "goods", 2_450_000),
    ] {
        let r = storage::receipts::NewReceipt {
            pledge_id: pledge.into(),
            kind: kind.into(),
            amount,
            method: method.into(),
            account: "Kho Quỹ thử".into(),
            receiver_id: "quy".into(),
            received_on: date(2025, 12, 1),
            is_demo: false,
        };
        storage::receipts::create(&db, &r, &staff, now)
            .await
            .expect("query")
            .expect("receipt accepted");
    }
    // Deliveries: l2's money handed over and accepted with one discount
    // left open (100.000 ₫ kept out); l5's handed over, not yet accepted.
    let rep = |name: &str| storage::deliveries::Representative {
        name: name.into(),
        position: "Cán bộ".into(),
    };
    let mut delivered = Vec::new();
    for (line, amount, children) in [("l2", 2_000_000, 40), ("l5", 1_250_000, 25)] {
        let d = storage::deliveries::NewDelivery {
            need_line_id: lines[line].clone(),
            giver_id: "quy".into(),
            form: "money".into(),
            quantities: Vec::new(),
            amount,
            children_served: children,
            on: date(2025, 12, 10),
            hand_over: true,
            place: "Tại trường".into(),
            giver_rep: rep("Nguyễn Giao Hàng Thử"),
            receiver_rep: rep("Trần Nhận Hàng Thử"),
            note: String::new(),
            is_demo: false,
        };
        let d = storage::deliveries::create(&db, &d, &staff, now)
            .await
            .expect("query")
            .expect("delivery handed over");
        delivered.push(d);
    }
    let kinds = storage::acceptance::checklist_for(&db, &delivered[0])
        .await
        .expect("checklist");
    let answers = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| CheckAnswer {
            kind: *k,
            passed: i != 0,
            note: if i == 0 {
                "Thiếu một chứng từ".into()
            } else {
                String::new()
            },
            quantity: 0,
            value: if i == 0 { 100_000 } else { 0 },
            action: NcAction::Discount,
            resolved: false,
        })
        .collect();
    let acceptance = storage::acceptance::Acceptance {
        decided_on: date(2025, 12, 11),
        decision: Decision::Accept,
        answers,
    };
    // Accepted by someone else than who handed over.
    storage::acceptance::record(&db, &delivered[0].id, &acceptance, &sys, now)
        .await
        .expect("query")
        .expect("signed by the school");
    // And co-signed by the commune (someone else again).
    storage::acceptance::cosign(
        &db,
        &delivered[0].id,
        &storage::acceptance::Cosignature {
            decided_on: date(2025, 12, 12),
            decision: Decision::Accept,
        },
        &AuditActor::system("commune"),
        now,
    )
    .await
    .expect("query")
    .expect("accepted");
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    Seed {
        client: Client {
            router: web::router(state),
        },
        db,
        lines,
    }
}

/// The text of the element carrying `data-testid="{id}"` (first one).
fn testid(html: &str, id: &str) -> String {
    let marker = format!("data-testid=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in page"))
        + marker.len();
    let end = html[start..].find('<').expect("closing tag");
    html[start..start + end].to_owned()
}

/// `1.234.567 ₫` → 1234567.
fn money(s: &str) -> i64 {
    s.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("not money: {s}"))
}

/// The rows of the table with `data-testid="{id}"`, each as its cells'
/// inner text (tags stripped, entities decoded), thead and tfoot included.
fn table(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table data-testid=\"{id}\">"))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = start + html[start..].find("</table>").expect("table end");
    html[start..end]
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split(['<'])
                .fold((Vec::new(), None::<String>), |(mut cells, cur), part| {
                    // part = "td>text" / "th>text" / "/td>" …
                    let opens = (part.starts_with("td") || part.starts_with("th"))
                        && matches!(part.as_bytes().get(2), Some(b'>' | b' '));
                    if opens {
                        if let Some(c) = cur {
                            cells.push(c);
                        }
                        let rest = part.split_once('>').map_or("", |(_, t)| t);
                        (cells, Some(rest.to_owned()))
                    } else if part.starts_with("/td>") || part.starts_with("/th>") {
                        if let Some(c) = cur {
                            cells.push(c);
                        }
                        (cells, None)
                    } else {
                        let text = part.split_once('>').map_or("", |(_, t)| t);
                        (cells, cur.map(|c| c + text))
                    }
                })
                .0
                .into_iter()
                .map(|c| unescape(&c).trim().to_owned())
                .collect()
        })
        .collect()
}

/// The few entities askama writes.
fn unescape(s: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_owned(), |acc, (from, to)| acc.replace(from, to))
}

async fn get_gzip(c: &Client, path: &str) -> Resp {
    let req = Request::get(path)
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .expect("request");
    c.send(req).await
}

#[tokio::test]
async fn anonymous_and_non_consenting_donors_are_never_named_nor_reachable() {
    let s = seed().await;
    let mut outputs = Vec::new();
    for lang in ["", "ct_lang=en"] {
        let r = s.get("/portal", lang).await;
        assert_eq!(r.status, StatusCode::OK);
        outputs.push(("/portal".to_owned(), r.body));
    }
    for f in FILES {
        let r = s.get(&format!("/open-data/{f}"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{f}");
        outputs.push((f.to_owned(), r.body));
    }
    for (what, body) in &outputs {
        for secret in SECRETS {
            assert!(!body.contains(secret), "{what} reveals {secret}");
        }
        assert!(
            !body.contains(HIDDEN_SITE),
            "{what} shows an unpublished need"
        );
    }
    // The public donor is named where donors are shown …
    let portal = &outputs[0].1;
    assert!(portal.contains(PUBLIC_DONOR));
    let receipts = common::json(&s.get("/open-data/receipts.json", "").await);
    let rows = receipts.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    for r in rows {
        let named = r["donor_named"].as_bool().expect("bool");
        assert_eq!(named, r["donor"] == PUBLIC_DONOR, "{r}");
        if !named {
            assert_eq!(r["donor"], web::ANONYMOUS_DONOR);
        }
    }
    // … and the two unnamed donors are one pooled row, never a row each:
    // 300.000 ₫ money from the anonymous one, 2.450.000 ₫ in kind from the
    // one who did not consent.
    let by_donor = table(portal, "by-donor");
    let anonymous: Vec<_> = by_donor
        .iter()
        .filter(|r| r[0] == "Nhà hảo tâm ẩn danh")
        .collect();
    assert_eq!(anonymous.len(), 1, "{by_donor:?}");
    assert_eq!(money(&anonymous[0][1]), 300_000);
    assert_eq!(money(&anonymous[0][2]), 2_450_000);
    assert_eq!(
        by_donor.len(),
        3,
        "header, the public donor, the pool: {by_donor:?}"
    );
    // Each receipt row links to its public receipt page.
    for r in rows {
        let id = r["id"].as_str().expect("id");
        assert!(portal.contains(&format!("href=\"/ledger/receipts/{id}\"")));
    }
}

#[tokio::test]
async fn children_counts_show_small_cells_as_under_five_and_cannot_be_subtracted_back() {
    let s = seed().await;
    let page = s.get("/portal", "").await.body;
    let t = table(&page, "children");
    // Header, two communes of today (20047's school counted in A Lưới 1), total.
    assert_eq!(t.len(), 4, "{t:?}");
    let header = &t[0];
    let warm = header
        .iter()
        .position(|h| h == "Đồ ấm")
        .expect("warm clothing column");
    let nutrition = header
        .iter()
        .position(|h| h == "Dinh dưỡng")
        .expect("nutrition column");
    let aluoi = t
        .iter()
        .find(|r| r[0].contains("A Lưới 1"))
        .expect("row of today's A Lưới 1");
    assert_eq!(aluoi[warm], "<5", "3 children are shown as <5");
    assert_eq!(aluoi[nutrition], "*", "46 hidden: else 49 − 46 = 3");
    assert_eq!(aluoi.last().map(String::as_str), Some("49"));
    assert!(
        t.iter().flatten().all(|c| c != "3"),
        "the small count itself is nowhere in the table"
    );
    // The subtraction property on the published table: in every row and
    // every column (totals included), the number of unknown members is
    // never exactly one.
    let grid: Vec<Vec<Option<u64>>> = t[1..]
        .iter()
        .map(|r| {
            r[1..]
                .iter()
                .map(|c| c.replace('.', "").parse::<u64>().ok())
                .collect()
        })
        .collect();
    let rows = grid.len();
    let cols = grid[0].len();
    for r in &grid {
        let unknown = r.iter().filter(|c| c.is_none()).count();
        assert_ne!(unknown, 1, "row {r:?} gives its hidden cell away");
        if unknown == 0 {
            let (total, cells) = r.split_last().expect("total");
            assert_eq!(Some(cells.iter().flatten().sum::<u64>()), *total);
        }
    }
    for c in 0..cols {
        let col: Vec<_> = grid.iter().map(|r| r[c]).collect();
        let unknown = col.iter().filter(|v| v.is_none()).count();
        assert_ne!(unknown, 1, "column {c} {col:?} gives its hidden cell away");
    }
    assert!(
        grid.iter().flatten().flatten().all(|v| *v == 0 || *v >= 5),
        "no count from 1 to 4 is shown: {grid:?}"
    );
    // The open data publishes exactly the same table.
    let json = common::json(&s.get("/open-data/children.json", "").await);
    let cells = json.as_array().expect("array");
    assert_eq!(
        cells.len(),
        rows * 6,
        "(2 communes and the totals) × (5 categories and the total)"
    );
    let small = cells
        .iter()
        .find(|c| c["category"] == "warm_clothing" && c["commune_code"] == "20056")
        .expect("A Lưới 1 warm clothing");
    assert_eq!(small["children"], serde_json::Value::Null);
    assert_eq!(small["shown"], "<5");
    let grand = cells
        .iter()
        .find(|c| c["category"] == "total" && c["commune_code"] == "total")
        .expect("grand total");
    assert_eq!(grand["children"], 86);
    // 86 = 3 + 46 + 12 + 25: l6 (300.000 of 1.000.000 allocated, none
    // received), l7 (nothing allocated) and l8 (not published) count no child.
}

#[tokio::test]
async fn totals_on_the_page_equal_the_sums_in_storage() {
    let s = seed().await;
    let page = s.get("/portal", "").await.body;
    let public = storage::needs::list(
        &s.db,
        &domain::authz::Visibility::PublicOnly,
        &storage::needs::NeedFilter {
            public_only: true,
            ..Default::default()
        },
    )
    .await
    .expect("needs");
    assert_eq!(public.len(), 7);
    let need: i64 = public.iter().map(|n| n.amount).sum();
    let committed: i64 = public.iter().map(|n| n.committed).sum();
    let gap: i64 = public.iter().map(|n| n.coverage().gap()).sum();
    assert_eq!(money(&testid(&page, "total-need")), need);
    assert_eq!(money(&testid(&page, "total-committed")), committed);
    assert_eq!(money(&testid(&page, "total-gap")), gap);
    assert_eq!(gap, 700_000 + 400_000, "l6 and l7 are still open");
    let mut cash = 0;
    let mut goods = 0;
    for p in ["p1", "p2", "p3"] {
        for r in storage::receipts::for_pledge(&s.db, p)
            .await
            .expect("receipts")
        {
            if r.kind == "money" {
                cash += r.amount;
            } else {
                goods += r.amount;
            }
        }
    }
    assert_eq!(money(&testid(&page, "total-money")), cash);
    assert_eq!(money(&testid(&page, "total-goods")), goods);
    let allocated: i64 = storage::donors::pledges(&s.db, None)
        .await
        .expect("pledges")
        .iter()
        .map(|(_, used)| used)
        .sum();
    assert_eq!(money(&testid(&page, "total-allocated")), allocated);
    // What each line received, computed in SQL for the portal, is what the
    // receipts module computes.
    let received = storage::receipts::received_by_line(&s.db)
        .await
        .expect("received");
    for n in storage::portal::published_needs(&s.db)
        .await
        .expect("needs")
    {
        assert_eq!(
            n.received,
            received.get(&n.id).copied().unwrap_or(0),
            "{}",
            n.site_name
        );
    }
    assert_eq!(
        money(&testid(&page, "total-allocated-received")),
        received.values().sum::<i64>()
    );
    // Sites are filed under the commune codes of their time; the portal
    // groups them under today's communes.
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    let areas = storage::portal::areas(&s.db, today).await.expect("areas");
    assert_eq!(
        areas.of("20047").code,
        "20056",
        "Hồng Vân is in A Lưới 1 today"
    );
    assert_eq!(areas.of("20056").code, "20056");
    let nam_dong = areas.of("20164");
    // Filters narrow the needs: one commune of today, one category.
    let f = s
        .get(
            &format!(
                "/portal?commune={}&category=warm_clothing&period_id=",
                nam_dong.code
            ),
            "",
        )
        .await
        .body;
    assert_eq!(money(&testid(&f, "total-need")), 1_200_000 + 1_000_000);
    assert_eq!(money(&testid(&f, "total-gap")), 700_000);
    let open = table(&f, "open-lines");
    assert_eq!(open.len(), 2, "header and l6: {open:?}");
    // Every open line links to its public page, which takes a pledge.
    let l6 = &s.lines["l6"];
    assert!(f.contains(&format!("href=\"/needs/{l6}\"")));
    let need_page = s.get(&format!("/needs/{l6}"), "").await;
    assert_eq!(need_page.status, StatusCode::OK);
    assert!(
        need_page
            .body
            .contains(&format!("action=\"/needs/{l6}/pledge\""))
    );
}

#[tokio::test]
async fn the_iati_export_is_well_formed_with_the_expected_transactions() {
    use quick_xml::events::Event;
    let s = seed().await;
    let r = s.get("/open-data/iati-activities.xml", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/xml")
    );
    let mut reader = quick_xml::Reader::from_str(&r.body);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut activities = 0;
    let mut identifiers = Vec::new();
    let mut sectors = Vec::new();
    let mut countries = Vec::new();
    // (transaction type, value, provider named)
    let mut transactions: Vec<(String, i64, Option<String>)> = Vec::new();
    let mut text = String::new();
    let mut roots = 0;
    loop {
        let ev = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.name().0.to_owned();
            let attr = |k: &str| {
                e.attributes()
                    .map(|a| a.expect("well-formed attribute"))
                    .find(|a| a.key.0 == k)
                    .map(|a| a.value.into_owned())
            };
            if stack.is_empty() {
                roots += 1;
            }
            match name.as_str() {
                "iati-activities" => {
                    assert_eq!(attr("version").as_deref(), Some("2.03"));
                    let at = attr("generated-datetime").expect("generated-datetime");
                    assert!(chrono::DateTime::parse_from_rfc3339(&at).is_ok(), "{at}");
                }
                "iati-activity" => {
                    activities += 1;
                    assert_eq!(attr("default-currency").as_deref(), Some("VND"));
                }
                "recipient-country" => countries.push(attr("code").expect("country")),
                "sector" => sectors.push(attr("code").expect("sector code")),
                "transaction" => transactions.push((String::new(), 0, None)),
                "transaction-type" => {
                    transactions.last_mut().expect("in a transaction").0 =
                        attr("code").expect("type code");
                }
                "value" => {
                    assert_eq!(attr("currency").as_deref(), Some("VND"));
                    assert!(attr("value-date").is_some());
                }
                "activity-status" | "activity-date" => {
                    assert!(attr("code").or_else(|| attr("iso-date")).is_some());
                }
                _ => {}
            }
            if !empty {
                stack.push(name);
            }
            text.clear();
            continue;
        }
        match ev {
            Event::End(e) => {
                let closed = stack.pop().expect("balanced");
                assert_eq!(closed, e.name().0);
                let parent = stack.last().cloned().unwrap_or_default();
                match (closed.as_str(), parent.as_str()) {
                    ("iati-identifier", _) => identifiers.push(text.clone()),
                    ("value", "transaction") => {
                        transactions.last_mut().expect("transaction").1 =
                            text.trim().parse().expect("integer value");
                    }
                    ("narrative", "provider-org") => {
                        transactions.last_mut().expect("transaction").2 = Some(text.clone());
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t),
            Event::GeneralRef(r) => {
                let name: &str = &r;
                text.push_str(match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unknown entity {other}"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "every element closed: {stack:?}");
    assert_eq!(roots, 1, "one root element");
    assert_eq!(countries.len(), activities);
    assert!(countries.iter().all(|c| c == "VN"));
    // One activity per line with allocations: l1–l6.
    assert_eq!(activities, 6);
    for id in ["l1", "l2", "l3", "l4", "l5", "l6"] {
        let want = format!("{}-{}", web::IATI_REPORTING_ORG, s.lines[id]);
        assert!(identifiers.contains(&want), "{want} in {identifiers:?}");
    }
    assert!(!identifiers.iter().any(|i| i.ends_with(&s.lines["l7"])));
    sectors.sort();
    sectors.dedup();
    assert_eq!(sectors, vec!["12240".to_owned(), "16010".to_owned()]);
    // Commitments: every allocation; incoming funds: what was received.
    let sum = |ty: &str| -> i64 { transactions.iter().filter(|t| t.0 == ty).map(|t| t.1).sum() };
    assert_eq!(transactions.iter().filter(|t| t.0 == "2").count(), 6);
    assert_eq!(
        sum("2"),
        2_000_000 + 300_000 + 300_000 + 300_000 + 1_200_000 + 1_250_000
    );
    assert_eq!(sum("1"), 2_300_000 + 300_000 + 2_450_000);
    // Providers are named only for the public donor.
    let named: Vec<_> = transactions.iter().filter_map(|t| t.2.clone()).collect();
    assert!(!named.is_empty());
    assert!(named.iter().all(|n| n == PUBLIC_DONOR), "{named:?}");
    let public_in: i64 = transactions
        .iter()
        .filter(|t| t.0 == "1" && t.2.is_some())
        .map(|t| t.1)
        .sum();
    assert_eq!(public_in, 2_300_000);
}

#[tokio::test]
async fn csv_files_have_a_bom_and_a_header_and_json_files_parse() {
    let s = seed().await;
    for set in ["needs", "receipts", "allocations", "children"] {
        let csv = s.get(&format!("/open-data/{set}.csv"), "").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with("text/csv")
        );
        let body = csv
            .body
            .strip_prefix('\u{feff}')
            .unwrap_or_else(|| panic!("{set}.csv starts with a BOM"));
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header row")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("CSV rows");
        let json = common::json(&s.get(&format!("/open-data/{set}.json"), "").await);
        let array = json.as_array().expect("a JSON array");
        assert_eq!(array.len(), rows.len(), "{set}: same rows in CSV and JSON");
        for obj in array {
            let keys: Vec<&String> = obj.as_object().expect("object").keys().collect();
            assert_eq!(keys.len(), header.len(), "{set}: {keys:?}");
            assert!(header.iter().all(|h| obj.get(h).is_some()), "{set}: {obj}");
        }
    }
    let needs = common::json(&s.get("/open-data/needs.json", "").await);
    assert_eq!(
        needs.as_array().expect("array").len(),
        7,
        "published lines only"
    );
    assert_eq!(
        s.get("/open-data/secrets.csv", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/open-data/needs.xml", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_portal_is_light_and_linked_from_the_landing_page() {
    let s = seed().await;
    for path in ["/portal", "/"] {
        let r = get_gzip(&s, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(
            r.headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"gzip"[..]),
            "{path}"
        );
        assert!(
            r.raw_len <= 14 * 1024,
            "{path}: {} bytes compressed",
            r.raw_len
        );
    }
    let landing = s.get("/", "").await.body;
    assert!(landing.contains("href=\"/portal\""));
    let page = s.get("/portal", "").await.body;
    for section in [
        "portal-needs",
        "portal-in",
        "portal-went",
        "portal-deliveries",
        "portal-children",
        "open-data",
    ] {
        assert!(
            page.contains(&format!("data-testid=\"{section}\"")),
            "{section}"
        );
    }
}

#[tokio::test]
async fn deliveries_show_what_was_handed_over_and_accepted() {
    let s = seed().await;
    let page = s.get("/portal", "").await.body;
    assert!(!page.contains("data-testid=\"no-deliveries\""));
    let t = table(&page, "deliveries");
    // Header, A Lưới 1 nutrition (accepted, 100.000 ₫ discount open),
    // Nam Đông nutrition (handed over only).
    assert_eq!(t.len(), 3, "{t:?}");
    let aluoi = t
        .iter()
        .find(|r| r[0].contains("A Lưới 1"))
        .expect("A Lưới 1");
    assert_eq!(aluoi[1], "Dinh dưỡng");
    assert_eq!(&aluoi[2..5], ["1", "1", "1"]);
    assert_eq!(money(&aluoi[5]), 2_000_000);
    assert_eq!(money(&aluoi[6]), 1_900_000);
    let other = t
        .iter()
        .skip(1)
        .find(|r| !r[0].contains("A Lưới 1"))
        .expect("other");
    assert_eq!(&other[2..5], ["1", "0", "0"]);
    assert_eq!(money(&other[5]), 1_250_000);
    assert_eq!(money(&other[6]), 0);
    // The same values as the deliveries module computes per line.
    let axes = storage::deliveries::axes_by_line(&s.db)
        .await
        .expect("axes");
    let accepted: i64 = axes.values().map(|a| a.accepted).sum();
    let delivered: i64 = axes.values().map(|a| a.delivered).sum();
    assert_eq!((delivered, accepted), (3_250_000, 1_900_000));
}

/// With no deliveries at all, the section says so in words.
#[tokio::test]
async fn no_deliveries_is_said_in_words() {
    let db = storage::testing::fresh_db().await.expect("db");
    let client = Client {
        router: web::router(web::AppState::new(db, web::WebConfig::default())),
    };
    let page = client.get("/portal", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"no-deliveries\""));
    assert!(page.body.contains("Chưa có biên bản giao nhận"));
    assert!(page.body.contains("data-testid=\"no-children\""));
    for f in FILES {
        let r = client.get(&format!("/open-data/{f}"), "").await;
        assert_eq!(r.status, StatusCode::OK, "{f} on an empty database");
    }
}

#[test]
fn every_portal_message_exists_in_both_languages() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut keys: Vec<String> = Vec::new();
    let template =
        std::fs::read_to_string(format!("{root}/templates/portal.html")).expect("template");
    for part in template.split("p.t(\"").skip(1) {
        if let Some(end) = part.find('"') {
            keys.push(part[..end].to_owned());
        }
    }
    for d in web::OPEN_DATASETS.iter() {
        keys.push(d.desc_key.to_owned());
        for c in d.columns {
            keys.push(format!("od-col-{c}"));
        }
    }
    keys.push("landing-portal".into());
    keys.push("landing-portal-open".into());
    assert!(keys.len() > 60, "{}", keys.len());
    let missing: Vec<_> = keys
        .iter()
        .filter(|k| {
            i18n::lookup(i18n::Lang::Vi, k).is_none() || i18n::lookup(i18n::Lang::En, k).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "missing translations: {missing:?}");
}
