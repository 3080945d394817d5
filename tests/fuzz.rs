//! A mutation fuzzer on the stable toolchain over every decoder that takes
//! outside input (`terraform_provider_conductorone::fuzz`): Terraform values
//! in msgpack and JSON against every published schema, stored state, import
//! IDs, ConductorOne and Segment answers, and whole HTTP answers served on
//! loopback to the transport (headers such as `Retry-After`,
//! `X-RateLimit-Reset`, `Content-Length` and `Location`, and the numbers
//! decoded from bodies that feed arithmetic, such as `expires_in`). Inputs start from valid seeds
//! and are mutated: bits flipped, bytes set to msgpack and JSON markers,
//! ranges cut, repeated and spliced, lengths made huge, nesting made deep.
//!
//! Two properties per input: no panic, and no allocation beyond
//! `ALLOC_FACTOR` times the input's size plus `ALLOC_SLACK` at any moment of
//! the call (a global allocator counts). `make test` runs it for
//! `FUZZ_SECONDS` (default 3); `make fuzz` for ten minutes in release mode.
//! A failing input is saved under `target/fuzz-failures/` and the run's seed
//! is printed (`FUZZ_SEED` repeats it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use terraform_provider_conductorone::fuzz;
use tfplugin::value::{Number, Type, Value};

/// The most a decoder may allocate at once, per byte of input...
const ALLOC_FACTOR: usize = 64;
/// ...plus this much.
const ALLOC_SLACK: usize = 4 << 20;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let now = CURRENT.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            CURRENT.fetch_sub(l.size() - new, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// xorshift64*: small, fast, repeatable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Bytes that mean something to msgpack or JSON decoders.
const MARKERS: &[u8] = &[
    0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc6, 0xc7, 0xc9,
    0xca, 0xcb, 0xcc, 0xcf, 0xd3, 0xd4, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, b'"',
    b'\\', b'[', b']', b'{', b'}', b':', b',', b'-', b'.', b'e', b'0', b'9', b'n', b'u', b'/',
];

fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(11) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = MARKERS[rng.below(MARKERS.len())];
            }
            2 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(16)).min(len);
                b.drain(i..j);
            }
            4 => b.truncate(rng.below(len + 1)),
            5 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(64)).min(len);
                let chunk = b[i..j].to_vec();
                for _ in 0..1 + rng.below(8) {
                    b.splice(j..j, chunk.iter().copied());
                }
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let at = rng.below(len + 1);
                b.splice(at..at, other[from..].iter().copied().take(256));
            }
            7 => {
                // A huge length header: a str, array or map of ~4 GiB.
                let i = rng.below(len + 1);
                let marker = [0xdb, 0xdd, 0xdf, 0xc6][rng.below(4)];
                b.splice(i..i, [marker, 0xff, 0xff, 0xff, 0xf0]);
            }
            8 => {
                // Deep nesting.
                let depth = 1 + rng.below(5000);
                let open = [b'[', 0x91, b'{', 0x81][rng.below(4)];
                let i = rng.below(len + 1);
                b.splice(i..i, std::iter::repeat_n(open, depth));
            }
            9 => {
                // A long number or string.
                let i = rng.below(len + 1);
                let n = 1 + rng.below(5000);
                let fill = [b'9', b'a', b'0'][rng.below(3)];
                b.splice(i..i, std::iter::repeat_n(fill, n));
            }
            _ if len > 1 => {
                let i = rng.below(len);
                let j = rng.below(len);
                b.swap(i, j);
            }
            _ => b.push(rng.next() as u8),
        }
    }
    b.truncate(1 << 20);
    b
}

/// A decoder, fed one input.
type Decode = Box<dyn Fn(&[u8])>;

/// A decoder under test.
struct Target {
    name: String,
    seeds: Vec<Vec<u8>>,
    run: Decode,
}

fn sample_value(ty: &Type, rng: &mut Rng, depth: usize) -> Value {
    if depth > 4 || rng.chance(8) {
        return if rng.chance(2) {
            Value::Null
        } else {
            Value::Unknown
        };
    }
    match ty {
        Type::String => Value::String(["", "x", "sgp_token", "a/b"][rng.below(4)].to_string()),
        Type::Bool => Value::Bool(rng.chance(2)),
        Type::Number => {
            let n = ["0", "-1", "0.1", "18446744073709551617", "1e400", "42"][rng.below(6)];
            Value::Number(Number::parse(n).unwrap())
        }
        Type::List(et) | Type::Set(et) => {
            let items = (0..rng.below(3))
                .map(|_| sample_value(et, rng, depth + 1))
                .collect();
            if matches!(ty, Type::Set(_)) {
                Value::set(items)
            } else {
                Value::List(items)
            }
        }
        Type::Map(et) => Value::Map(
            (0..rng.below(3))
                .map(|i| (format!("k{i}"), sample_value(et, rng, depth + 1)))
                .collect(),
        ),
        Type::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), sample_value(t, rng, depth + 1)))
                .collect(),
        ),
        Type::Tuple(ets) => Value::Tuple(
            ets.iter()
                .map(|t| sample_value(t, rng, depth + 1))
                .collect(),
        ),
        Type::Dynamic => Value::Null,
    }
}

fn value_targets(rng: &mut Rng) -> Vec<Target> {
    let mut out = Vec::new();
    for (name, ty) in fuzz::published_types() {
        let mut mp = vec![vec![0xc0], vec![0xd4, 0, 0]];
        let mut js = vec![b"null".to_vec(), b"{}".to_vec()];
        for _ in 0..8 {
            let v = sample_value(&ty, rng, 0);
            mp.push(v.to_msgpack(&ty).expect("encode a sample"));
            if let Some(j) = v.to_plain_json() {
                js.push(serde_json::to_vec(&j).unwrap());
            }
        }
        let is_resource = name == "conductorone_segment_integration";
        let t = ty.clone();
        out.push(Target {
            name: format!("msgpack {name}"),
            seeds: mp,
            run: Box::new(move |b| fuzz::terraform_msgpack(b, &t, is_resource)),
        });
        let t = ty.clone();
        out.push(Target {
            name: format!("state JSON {name}"),
            seeds: js,
            run: Box::new(move |b| fuzz::terraform_json(b, &t)),
        });
    }
    out
}

fn api_targets() -> Vec<Target> {
    let c1 = [
        r#"{"connectorView":{"connector":{"id":"c","appId":"a","catalogId":"2YuQMfugzij8vRI4FGkYNcMxgOe","displayName":"Segment","description":"d [terraform-pending f=0000000000000001 a=0000000000000002]","userIds":["u"],"config":{"@type":"type.googleapis.com/c1.connector.v2.EnvConfig"},"status":{"status":"SYNC_STATUS_DONE","lastError":null}}},"expanded":[]}"#,
        r#"{"app":{"id":"a","displayName":"Segment","description":"x","deletedAt":null}}"#,
        r#"{"list":[{"id":"a","displayName":"S"}],"nextPageToken":"b2Zmc2V0OjEw"}"#,
        r#"{"userView":{"user":{"id":"u","email":"e@x","status":"ENABLED"}}}"#,
        r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#,
        r#"{"code":5,"message":"app not found","details":[]}"#,
        "<html>502 Bad Gateway</html>",
    ];
    let segment = [
        r#"{"data":{"workspace":{"id":"w","slug":"s","name":"n"}}}"#,
        r#"{"data":{"roles":[{"id":"r","name":"Workspace Owner","description":"d","permissions":[{"resources":[{"id":"1","type":"WORKSPACE","labels":[]}]}]}],"pagination":{"current":"MA==","next":"MjA=","totalEntries":8}}}"#,
        r#"{"data":{"userGroups":[{"id":"g","name":"n","memberCount":3}],"pagination":{"next":null}}}"#,
        r#"{"data":{"users":[{"id":"u","name":"n","email":"e"}]}}"#,
        r#"{"errors":[{"type":"unauthorized","message":"bad token sgp_secret"}]}"#,
    ];
    let ids = ["app/conn", "a/b/c", "/x", "", "é/ü"];
    let http = [
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 18446744073709551615\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: -1\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n\r\n",
        "HTTP/1.1 503 Unavailable\r\nX-RateLimit-Reset: Tue, 31 Dec 2999 23:59:59 GMT\r\nContent-Length: 99999999999999999999\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nContent-Length: 57\r\n\r\n{\"data\":{\"workspace\":{\"id\":\"w\",\"slug\":\"s\",\"name\":\"n\"}}}",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n{\"access_token\":\"t\",\"expires_in\":18446744073709551615}",
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.2:1/x\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 308 Permanent Redirect\r\nLocation: /\r\nContent-Length: 0\r\n\r\n",
    ];
    fuzz::http_warm_up();
    vec![
        Target {
            name: "ConductorOne answers".into(),
            seeds: c1.iter().map(|s| s.as_bytes().to_vec()).collect(),
            run: Box::new(fuzz::conductorone_answer),
        },
        Target {
            name: "Segment answers".into(),
            seeds: segment.iter().map(|s| s.as_bytes().to_vec()).collect(),
            run: Box::new(fuzz::segment_answer),
        },
        Target {
            name: "HTTP answers (headers, framing)".into(),
            seeds: http.iter().map(|s| s.as_bytes().to_vec()).collect(),
            run: Box::new(fuzz::http_answer),
        },
        Target {
            name: "import IDs".into(),
            seeds: ids.iter().map(|s| s.as_bytes().to_vec()).collect(),
            run: Box::new(|b| fuzz::import_id(&String::from_utf8_lossy(b))),
        },
    ]
}

/// Runs one input; the extra bytes it held at its peak, or its panic.
fn run_one(t: &Target, input: &[u8]) -> Result<usize, String> {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = catch_unwind(AssertUnwindSafe(|| (t.run)(input)));
    let extra = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    match r {
        Ok(()) => Ok(extra),
        Err(p) => Err(p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()),
    }
}

fn save(name: &str, input: &[u8]) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}.bin", name.replace(' ', "_")));
    let _ = std::fs::write(&file, input);
    file.display().to_string()
}

#[test]
fn decoders_survive_hostile_input() {
    let secs: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let mut rng = Rng(seed);
    let mut targets = value_targets(&mut rng);
    targets.extend(api_targets());
    // Panics are caught and reported with their input; keep the default
    // hook from printing each one.
    std::panic::set_hook(Box::new(|_| {}));
    let per_target = Duration::from_secs(secs).div_f64(targets.len() as f64);
    let mut report = Vec::new();
    for t in &targets {
        let start = Instant::now();
        let (mut runs, mut longest, mut biggest) = (0u64, 0usize, 0usize);
        let mut corpus = t.seeds.clone();
        while start.elapsed() < per_target || runs < t.seeds.len() as u64 {
            let input = if (runs as usize) < t.seeds.len() {
                t.seeds[runs as usize].clone()
            } else {
                let parent = &corpus[rng.below(corpus.len())];
                mutate(&mut rng, parent, &t.seeds)
            };
            runs += 1;
            match run_one(t, &input) {
                Err(msg) => {
                    let _ = std::panic::take_hook();
                    let file = save(&t.name, &input);
                    panic!(
                        "{}: panicked on input {file} (FUZZ_SEED={seed}): {msg}",
                        t.name
                    );
                }
                Ok(extra) => {
                    let bound = ALLOC_FACTOR * input.len() + ALLOC_SLACK;
                    if extra > bound {
                        let _ = std::panic::take_hook();
                        let file = save(&t.name, &input);
                        panic!(
                            "{}: allocated {extra} bytes for {} input bytes (bound {bound}); input {file} (FUZZ_SEED={seed})",
                            t.name,
                            input.len()
                        );
                    }
                    longest = longest.max(input.len());
                    biggest = biggest.max(extra);
                }
            }
            // Keep some mutants as parents, so that mutations compound.
            if corpus.len() < 256 && rng.chance(16) {
                corpus.push(input);
            } else if rng.chance(64) {
                let i = rng.below(corpus.len());
                corpus[i] = input;
            }
        }
        report.push(format!(
            "{:<48} {runs:>9} inputs (longest {longest:>7} bytes), peak allocation {biggest:>9} bytes",
            t.name
        ));
    }
    let _ = std::panic::take_hook();
    eprintln!("fuzz seed {seed}, {secs} s:\n{}", report.join("\n"));
}
