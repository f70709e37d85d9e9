//! Every pane rendered at 80×24 and 200×50 from a fixed state (ratatui TestBackend + insta), plus the help overlay
//! generated from the live keymap and an escape-injection fixture that must render inert.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gpudeck::action::Action;
use gpudeck::event::Data;
use gpudeck::keymap::Keymap;
use gpudeck::model::nodes::NodeRow;
use gpudeck::model::pods::PodRow;
use gpudeck::model::workloads::{WorkloadKind, WorkloadRow};
use gpudeck::state::table::Delta;
use gpudeck::state::{Pane, State};
use gpudeck::theme::Theme;
use gpudeck::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const NOW: i64 = 1_795_600_000;

fn time(ago: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(NOW - ago).unwrap().to_string()
}

fn pod(ns: &str, name: &str, node: &str, gpus: u32, status: Value, age: i64) -> PodRow {
    let mut spec = json!({"containers": [{"name": "main", "image": "img"}]});
    if !node.is_empty() {
        spec["nodeName"] = json!(node);
    }
    if gpus > 0 {
        spec["containers"][0]["resources"] = json!({"limits": {"nvidia.com/gpu": gpus.to_string()}});
    }
    let p = json!({"metadata": {"name": name, "namespace": ns, "uid": format!("u-{name}"), "creationTimestamp": time(age), "labels": {"app": name.split('-').next()}},
        "spec": spec, "status": status});
    PodRow::from_pod(&serde_json::from_value(p).unwrap())
}

fn running(restarts: i32) -> Value {
    json!({"phase": "Running", "containerStatuses": [{"name": "main", "image": "img", "imageID": "", "ready": true, "restartCount": restarts,
        "state": {"running": {"startedAt": time(3600)}}}]})
}

fn waiting(reason: &str, message: &str, restarts: i32, last: Option<&str>) -> Value {
    let mut cs = json!({"name": "main", "image": "img", "imageID": "", "ready": false, "restartCount": restarts,
        "state": {"waiting": {"reason": reason, "message": message}}});
    if let Some(r) = last {
        cs["lastState"] = json!({"terminated": {"reason": r, "exitCode": 137, "finishedAt": time(95)}});
    }
    json!({"phase": "Running", "containerStatuses": [cs]})
}

fn node(name: &str, ready: &str, pressure: bool, gpus: u32) -> NodeRow {
    let mut conditions = vec![json!({"type": "Ready", "status": ready})];
    if pressure {
        conditions.push(json!({"type": "DiskPressure", "status": "True"}));
    }
    let mut labels = json!({"gpudeck.io/pool": if gpus > 0 { "h100" } else { "cpu" }});
    let mut n = json!({"metadata": {"name": name, "uid": format!("n-{name}"), "creationTimestamp": time(40 * 86400), "labels": labels},
        "status": {"conditions": conditions, "nodeInfo": {"kubeletVersion": "v1.32.4", "containerRuntimeVersion": "containerd://1.7.27",
            "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}});
    if gpus > 0 {
        labels["nvidia.com/gpu.product"] = json!("NVIDIA-H100-80GB-HBM3");
        n["metadata"]["labels"] = labels;
        n["status"]["allocatable"] = json!({"nvidia.com/gpu": gpus.to_string()});
        n["spec"] = json!({"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]});
    }
    NodeRow::from_node(&serde_json::from_value(n).unwrap())
}

fn fixture(size: (u16, u16)) -> State {
    let mut s = State::new("demo cluster", false, NOW, size);
    let pods = vec![
        pod("ml-train", "llama3-finetune-x7k2p", "gpu-h100-01", 8, running(0), 7200),
        pod("ml-serve", "llm-inference-6d9f-abcde", "gpu-h100-02", 1, running(0), 6 * 86400),
        pod(
            "ml-serve",
            "tokenizer-5c8d-qwert",
            "cpu-02",
            0,
            waiting("CrashLoopBackOff", "back-off 2m30s", 63, Some("Error")),
            3 * 3600,
        ),
        pod(
            "ml-serve",
            "feature-cache-0",
            "cpu-02",
            0,
            waiting("CrashLoopBackOff", "back-off 5m", 400, Some("OOMKilled")),
            4 * 86400,
        ),
        pod(
            "ml-serve",
            "reranker-77f-zzz9q",
            "gpu-h100-02",
            1,
            waiting("ImagePullBackOff", "Back-off pulling image \"ghcr.io/acme-ml/reranker:2.4.1\"", 0, None),
            1500,
        ),
        pod(
            "ml-serve",
            "llm-70b-eval-8h2-pl4ks",
            "",
            8,
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/4 nodes are available: 2 Insufficient nvidia.com/gpu."}]}),
            3000,
        ),
        pod("kube-system", "coredns-7b9-mn4k2", "cpu-01", 0, running(0), 41 * 86400),
    ];
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    let nodes = vec![
        node("cpu-01", "True", false, 0),
        node("cpu-02", "True", true, 0),
        node("gpu-h100-01", "True", false, 8),
        node("gpu-h100-02", "Unknown", false, 8),
    ];
    s.absorb(Data::Nodes(Delta { reset: true, upserts: nodes, deletes: vec![] }));
    let job: k8s_openapi::api::batch::v1::Job = serde_json::from_value(json!({"metadata": {"name": "llama3-finetune", "namespace": "ml-train", "uid": "j1", "creationTimestamp": time(7200)},
        "spec": {"completions": 4, "template": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "8"}}}]}}},
        "status": {"active": 4, "ready": 4, "succeeded": 0, "startTime": time(7190)}})).unwrap();
    let deploy: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({"metadata": {"name": "tokenizer", "namespace": "ml-serve", "uid": "d1", "creationTimestamp": time(3 * 3600)},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "tokenizer"}}, "template": {"spec": {"containers": []}}}, "status": {"readyReplicas": 0}})).unwrap();
    s.absorb(Data::Workloads(
        WorkloadKind::Job,
        Delta { reset: true, upserts: vec![WorkloadRow::from_job(&job)], deletes: vec![] },
    ));
    s.absorb(Data::Workloads(
        WorkloadKind::Deployment,
        Delta { reset: true, upserts: vec![WorkloadRow::from_deployment(&deploy)], deletes: vec![] },
    ));
    s.settle();
    s
}

fn render(state: &State) -> String {
    let (theme, _) = Theme::load(Some("mono"), false);
    let (keymap, _) = Keymap::load(None);
    let mut terminal = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    terminal.draw(|f| ui::render(f, state, &theme, &keymap)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn every_pane_at_both_sizes() {
    for size in [(80, 24), (200, 50)] {
        for pane in [Pane::Triage, Pane::Nodes, Pane::Pods, Pane::Workloads, Pane::Gpu] {
            let mut s = fixture(size);
            s.pane = pane;
            insta::assert_snapshot!(format!("{}_{}x{}", pane.title(), size.0, size.1), render(&s));
        }
    }
}

#[test]
fn filter_prompt_zoom_and_help() {
    let mut s = fixture((80, 24));
    s.act(Action::PanePods);
    s.act(Action::Filter);
    for c in "crash".chars() {
        s.type_char(c);
    }
    insta::assert_snapshot!("pods_filtering_80x24", render(&s));
    s.act(Action::Accept);
    s.act(Action::Zoom);
    insta::assert_snapshot!("pods_zoomed_80x24", render(&s));
    s.act(Action::Zoom);
    s.act(Action::Help);
    insta::assert_snapshot!("help_80x24", render(&s));
    for _ in 0..3 {
        s.act(Action::PageDown);
    }
    let end = render(&s);
    assert!(end.contains(" (j/k scroll") && end.contains("toggle-timestamps"), "scrolled to the last keys:\n{end}");
    insta::assert_snapshot!("help_80x24_scrolled_to_the_end", end);
}

#[test]
fn escape_sequences_in_cluster_text_render_inert() {
    let mut s = State::new("demo cluster", false, NOW, (120, 12));
    let evil = pod(
        "ml",
        "evil",
        "cpu-01",
        0,
        waiting("ErrImagePull", "\u{1b}]0;PWNED\u{7}\u{1b}[2Jpull \u{1b}[31mfailed", 0, None),
        60,
    );
    s.absorb(Data::Pods(Delta { reset: true, upserts: vec![evil], deletes: vec![] }));
    s.settle();
    let text = render(&s);
    assert!(!text.contains('\u{1b}') && !text.contains("PWNED"), "{text}");
    assert!(text.contains("pull failed"), "{text}");
}

/// The logs view: header state, a marker line, search highlight, a filter, and hostile bytes as the source turns them
/// into text (inert), at 80×24.
#[test]
fn logs_view_paused_searched_and_filtered() {
    use gpudeck::sources::logs::log_line;
    use gpudeck::state::logs::{LogLine, LogTarget, Logs};
    let target = LogTarget::new("ml-train", "llama3-finetune-x7k2p");
    let mut logs = Logs::new(target, 1, 30);
    let line = |raw: &[u8]| log_line(raw, "");
    let mut batch: Vec<LogLine> =
        (0..30).map(|i| line(format!("epoch 3/30 step {i} loss 1.{i:02} lr 2.0e-04").as_bytes())).collect();
    batch.push(LogLine::marker("— trainer stopped; waiting for it to restart —"));
    batch.push(line(b"\x1b]0;pwned\x07\x1b[31mERROR\x1b[0m NCCL timeout on rank 3 \xff"));
    batch.push(line(format!("{}{}", "x".repeat(200), " end of a very long line").as_bytes()));
    logs.push(batch);
    logs.described = "trainer".into();
    logs.to_top();
    logs.push(vec![line(b"step 31")]);
    let mut s = State::new("demo cluster", false, NOW, (80, 24));
    s.show_logs(logs);
    if let Some(l) = s.logs.as_mut() {
        assert_eq!(l.set_search("loss 1\\.1", 20), None);
    }
    insta::assert_snapshot!("logs_searched_80x24", render(&s));
    if let Some(l) = s.logs.as_mut() {
        assert_eq!(l.set_filter("-C 1 nccl"), None);
    }
    let filtered = render(&s);
    assert!(!filtered.contains('\u{1b}') && !filtered.contains("pwned"), "{filtered}");
    insta::assert_snapshot!("logs_filtered_80x24", filtered);
}

/// The generation of the last apply the state asked for.
fn apply_generation(s: &State) -> u64 {
    s.effects
        .iter()
        .rev()
        .find_map(|e| match e {
            gpudeck::event::Effect::Apply { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("an apply was asked for")
}

#[test]
fn editor_with_problems_masked_secrets_review_conflict_and_prompts() {
    use gpudeck::diff;
    use gpudeck::model::mutation::{Change, DocOutcome, FieldConflict, MutationError};
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: ml-serve\ndata:\n  password: aHVudGVyMg==\n  user: YWRtaW4=\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\n  namespace: ml-serve\ndata:\n  LOG_LEVEL: info: oops\n";
    let mut s = fixture((100, 24));
    s.open_editor("file manifests.yaml".into(), text);
    insta::assert_snapshot!("editor_problem_and_secret", render(&s));

    let fixed = text.replace("info: oops", "debug");
    s.open_editor("file manifests.yaml".into(), &fixed);
    s.act(Action::Apply);
    let generation = apply_generation(&s);
    let old = "apiVersion: v1\nkind: ConfigMap\ndata:\n  LOG_LEVEL: info\nmetadata:\n  name: tuning\n";
    let new = old.replace("info", "debug");
    let outcomes = [
        DocOutcome {
            title: "secret ml-serve/db-creds".into(),
            result: Ok(Change { verb: "unchanged", diff: vec![], seen: 0 }),
        },
        DocOutcome {
            title: "configmap ml-serve/tuning".into(),
            result: Ok(Change { verb: "configured", diff: diff::unified(old, &new), seen: 0 }),
        },
    ];
    for outcome in outcomes {
        s.absorb(Data::Applied { generation, outcome });
    }
    insta::assert_snapshot!("editor_review_diff", render(&s));

    s.act(Action::Back);
    s.act(Action::Apply);
    let generation = apply_generation(&s);
    s.absorb(Data::Applied {
        generation,
        outcome: DocOutcome {
            title: "secret ml-serve/db-creds".into(),
            result: Ok(Change { verb: "unchanged", diff: vec![], seen: 0 }),
        },
    });
    let conflict =
        MutationError::Conflict(vec![FieldConflict { field: ".data.LOG_LEVEL".into(), manager: "helm".into() }]);
    s.absorb(Data::Applied {
        generation,
        outcome: DocOutcome { title: "configmap ml-serve/tuning".into(), result: Err(conflict) },
    });
    insta::assert_snapshot!("editor_conflict", render(&s));
    s.act(Action::Force);
    insta::assert_snapshot!("editor_force_question", render(&s));

    let mut s = fixture((100, 24));
    s.act(Action::PaneWorkloads);
    s.act(Action::Top);
    while s.workloads.selected_row().is_some_and(|w| w.kind != WorkloadKind::Deployment) {
        s.act(Action::Down);
    }
    s.act(Action::Scale);
    s.absorb(Data::Hpa { uid: "d1".into(), hpa: Some("hpa tokenizer (2–8)".into()) });
    s.type_char('5');
    insta::assert_snapshot!("scale_prompt_with_autoscaler", render(&s));
}

/// The GPU pane with one exporter's answer (the recorded-format fixture), a local GPU from NVML, a fit query, and the
/// node drill-down; at 120×30, the size of a laptop terminal.
#[test]
fn gpu_grid_fit_local_gpus_and_node_drill_down() {
    use gpudeck::model::dcgm::Scrape;
    use gpudeck::model::gpu::{GpuProcess, LocalGpu};
    let mut s = fixture((120, 30));
    let mut scrape = Scrape::default();
    scrape.fold(include_str!("fixtures/dcgm-exporter-3.3-h100x8.txt"), Some("gpu-h100-01"));
    scrape.exporters = 1;
    scrape.failures.push(("gpu-h100-02".into(), "pod nvidia-dcgm-exporter-9jc2l: no answer within 5 s".into()));
    s.absorb(Data::Dcgm(Ok(scrape)));
    let local = LocalGpu {
        index: 0,
        name: "NVIDIA L4".into(),
        uuid: "GPU-local".into(),
        util: Some((37, 12)),
        memory: Some((6 << 30, 24 << 30)),
        temp_c: Some(55),
        power_mw: Some(41_000),
        power_limit_mw: Some(72_000),
        clocks_mhz: Some((1_890, 6_251)),
        fan_percent: None,
        pcie_kbs: Some((1_200, 800)),
        ecc_uncorrected: Some(0),
        retired_pages: Some(0),
        processes: vec![GpuProcess { pid: 4242, name: "python".into(), memory: Some(1 << 30) }],
        error: None,
    };
    for util in [5, 40, 80, 37] {
        let mut sample = local.clone();
        sample.util = Some((util, 12));
        s.absorb(Data::LocalGpus(Ok(vec![sample])));
    }
    s.act(Action::Command);
    for c in "fit 4 h100".chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
    assert_eq!(s.pane, Pane::Gpu);
    let grid = render(&s);
    assert!(grid.contains("█ █ █ █ █ ✗ █ ▲"), "{grid}");
    insta::assert_snapshot!("gpu_grid_120x30", grid);
    s.act(Action::DrillIn);
    let drill = render(&s);
    // At 120 columns the holder's name is cut before the fault is.
    for shown in ["XID 48: double-bit ECC error", "87 °C, hardware thermal slowdown", "ml-train/llama3-"] {
        assert!(drill.contains(shown), "{shown}:\n{drill}");
    }
    insta::assert_snapshot!("gpu_node_drill_down_120x30", drill);
    s.act(Action::Back);
    assert_eq!(s.gpus.drill, None);
}

#[test]
fn images_pane_repositories_tags_manifest_and_the_pull_verdict_in_triage() {
    use gpudeck::event::Effect;
    use gpudeck::model::registry::{ImageConfig, ManifestDetail, PlatformImage, PullVerdict};
    let mut s = fixture((120, 30));
    s.images = gpudeck::state::images::Images::new(vec!["127.0.0.1:5000".into()]);
    let verdict = PullVerdict::MissingTag { tag: "latest".into(), nearest: vec!["2.3.0".into(), "2.4.0".into()] };
    s.absorb(Data::ImageChecked { image: "img".into(), verdict });
    s.settle();
    let triage = render(&s);
    assert!(triage.contains("registry: tag latest not found"), "{triage}");
    let line = s.triage.all().find(|t| t.id.name == "reranker-77f-zzz9q").unwrap();
    assert_eq!(line.why, "registry: tag latest not found; nearest: 2.3.0, 2.4.0");
    let pod = s.pods.all().find(|p| p.id.name == "reranker-77f-zzz9q").unwrap();
    assert_eq!(pod.registry.as_deref(), Some(line.why.as_str()), "the pods pane's WHY says the same");
    insta::assert_snapshot!("triage_with_registry_verdict_120x30", triage);

    s.act(Action::PaneImages);
    let browsed: Vec<&str> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::BrowseRegistry { registry, .. } => Some(registry.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(browsed, ["127.0.0.1:5000", "docker.io"], "configured registries and those pods use");
    s.effects.clear();
    let local = "127.0.0.1:5000".to_string();
    let strings = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    s.absorb(Data::Catalog { registry: local.clone(), repositories: Ok(strings(&["multi", "team/app"])) });
    s.absorb(Data::Catalog {
        registry: "docker.io".into(),
        repositories: Err("unauthorized: no credentials for docker.io".into()),
    });
    s.absorb(Data::Tags {
        registry: local,
        tags: vec![
            ("team/app".into(), Ok(strings(&["v1", "v10", "v2"]))),
            ("multi".into(), Err("denied: 127.0.0.1:5000 refused pull on repository multi".into())),
        ],
    });
    s.absorb(Data::Tags {
        registry: "docker.io".into(),
        tags: vec![("library/img".into(), Ok(strings(&["2.3.0", "2.4.0"])))],
    });
    s.settle();
    insta::assert_snapshot!("images_repositories_120x30", render(&s));

    s.act(Action::Bottom);
    s.act(Action::DrillIn);
    let tags = render(&s);
    assert!(tags.contains("docker.io/library/img: 3 tags"), "{tags}");
    insta::assert_snapshot!("images_tags_120x30", tags);

    s.act(Action::Down);
    s.act(Action::DrillIn);
    let Some(Effect::RegistryManifest { reference, generation, .. }) = s.effects.first().cloned() else {
        panic!("{:?}", s.effects)
    };
    assert_eq!(reference, "2.4.0");
    let config = ImageConfig {
        created: Some("2024-09-09T09:09:09Z".into()),
        platform: "linux/amd64".into(),
        entrypoint: vec!["/app".into()],
        cmd: vec!["--serve".into()],
        labels: [("org.opencontainers.image.title".to_string(), "img".to_string())].into(),
    };
    let detail = ManifestDetail {
        digest: format!("sha256:{}", "1".repeat(64)),
        media_type: "application/vnd.oci.image.index.v1+json".into(),
        index: true,
        platforms: vec![
            Ok(PlatformImage {
                platform: "linux/amd64".into(),
                digest: format!("sha256:{}", "2".repeat(64)),
                compressed_size: 734_003_200,
                layers: 7,
                config: Ok(config),
            }),
            Err(("linux/arm64".into(), "manifest: missing field `layers`".into())),
        ],
    };
    s.absorb(Data::Manifest { generation, detail: Ok(detail) });
    s.settle();
    let manifest = render(&s);
    assert!(manifest.contains("700.0 MiB") && manifest.contains("unreadable: manifest: missing field"), "{manifest}");
    insta::assert_snapshot!("images_manifest_120x30", manifest);
}

#[test]
#[cfg_attr(feature = "cuda", ignore = "the snapshot is of a build without CUDA")]
fn inference_pane_picks_runs_with_progress_and_shows_the_verdict() {
    use gpudeck::event::Effect;
    use gpudeck::infer::bundle::ModelSource;
    use gpudeck::infer::images::ImageSource;
    use gpudeck::infer::report::{Latency, Throughput};
    use gpudeck::infer::run::{self, Progress};
    let mut s = fixture((120, 30));
    s.act(Action::PaneInference);
    assert!(s.effects.iter().any(|e| matches!(e, Effect::LoadSamples { .. })), "{:?}", s.effects);
    insta::assert_snapshot!("inference_loading_120x30", render(&s));

    // The real shipped model and samples, decoded as the effect does.
    s.absorb(Data::Samples(Ok(Box::new(run::catalogue(&ModelSource::Shipped, &ImageSource::Shipped, false).unwrap()))));
    s.settle();
    s.act(Action::Down);
    s.act(Action::TogglePick);
    s.effects.clear();
    s.act(Action::Validate);
    let options = s
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Infer { options, .. } => Some(options.clone()),
            _ => None,
        })
        .expect("v runs");
    let picked = options.only.clone().unwrap();
    assert_eq!(picked.len(), 11, "the dropped image is not run: {picked:?}");
    assert!(!picked.contains(&"circle-2.png".to_string()));

    // Progress as the effect reports it; the report is the real one with its timings fixed for the snapshot.
    let mut report =
        run::validate(&run::Options { timing: std::time::Duration::from_millis(1), ..*options }, &mut |_| true)
            .unwrap();
    report.load_ms = 1.5;
    report.device.name = "CPU (2 threads)".into();
    report.latency_ms = Latency { p50: 0.44, p95: 0.52 };
    report.throughput = [(1, 2743.0), (8, 3440.0), (32, 3602.0)]
        .map(|(batch, images_per_s)| Throughput { batch, images_per_s })
        .to_vec();
    // Probabilities are fixed too: their last digits follow the CPU's SIMD summation order.
    for image in &mut report.images {
        image.latency_ms = 0.44;
        for (scored, p) in image.top.iter_mut().zip([0.991, 0.006, 0.003]) {
            scored.probability = p;
        }
    }
    s.absorb(Data::InferProgress { generation: 1, progress: Progress::Loaded { device: "cpu".into(), total: 11 } });
    for image in report.images.iter().take(4) {
        s.absorb(Data::InferProgress { generation: 1, progress: Progress::Classified(Box::new(image.clone())) });
    }
    // A superseded run's progress is dropped.
    s.absorb(Data::InferProgress { generation: 0, progress: Progress::Comparing });
    s.settle();
    insta::assert_snapshot!("inference_running_120x30", render(&s));

    s.absorb(Data::Inferred { generation: 1, report: Ok(Box::new(report)) });
    s.settle();
    let done = render(&s);
    assert!(done.contains("PASS · 11/11 correct"), "{done}");
    insta::assert_snapshot!("inference_verdict_120x30", done);
}

/// `:svc` on a state that knows services, with the server's Table for three of them (as it arrives on the wire).
fn services_view(size: (u16, u16)) -> State {
    use gpudeck::event::BrowseUpdate;
    use gpudeck::manifest::KnownResource;
    use gpudeck::model::table::{Columns, ServerTable};
    let mut s = State::new("prod-east", false, NOW, size);
    let services = KnownResource {
        api_version: "v1".into(),
        kind: "Service".into(),
        plural: "services".into(),
        namespaced: true,
        singular: "service".into(),
        short_names: vec!["svc".into()],
        verbs: vec!["list".into(), "watch".into()],
    };
    s.absorb(Data::Kinds(vec![services]));
    s.act(Action::Command);
    "svc".chars().for_each(|c| s.type_char(c));
    s.act(Action::Accept);
    let columns = [
        ("Name", "string", 0),
        ("Type", "string", 0),
        ("Cluster-IP", "string", 0),
        ("External-IP", "string", 0),
        ("Port(s)", "string", 0),
        ("Age", "string", 0),
        ("Selector", "string", 1),
    ];
    let row = |ns: &str, name: &str, kind: &str, ip: &str, external: &str, ports: &str, age: i64, selector: &str| {
        json!({"cells": [name, kind, ip, external, ports, "ignored", selector],
            "object": {"metadata": {"name": name, "namespace": ns, "uid": format!("s-{name}"), "creationTimestamp": time(age)}}})
    };
    let table: ServerTable = serde_json::from_value(json!({
        "metadata": {"resourceVersion": "7"},
        "columnDefinitions": columns.iter().map(|(n, t, p)| json!({"name": n, "type": t, "priority": p})).collect::<Vec<_>>(),
        "rows": [
            row("ml-serve", "llm-inference", "LoadBalancer", "10.96.12.7", "<pending>", "8000:31380/TCP", 6 * 86400, "app=llm-inference"),
            row("ml-serve", "embeddings", "ClusterIP", "10.96.40.2", "<none>", "8080/TCP", 12 * 86400, "app=embeddings"),
            row("gpu-operator", "nvidia-dcgm-exporter", "ClusterIP", "10.96.130.150", "<none>", "9400/TCP", 30 * 86400, "app=nvidia-dcgm-exporter"),
        ]
    }))
    .unwrap();
    let columns = Columns::from_definitions(&table.column_definitions, true);
    let rows = table.rows.into_iter().map(|r| columns.row(r)).collect();
    let update = BrowseUpdate::Listed {
        columns: columns.names.clone(),
        delta: Delta { reset: true, upserts: rows, deletes: vec![] },
        complete: true,
    };
    let generation = s.browse.generation;
    s.absorb(Data::Browse { generation, update });
    s.settle();
    s
}

#[test]
fn generic_view_with_the_servers_columns_a_failure_and_the_empty_hint() {
    for size in [(80, 24), (200, 50)] {
        insta::assert_snapshot!(format!("browse_services_{}x{}", size.0, size.1), render(&services_view(size)));
    }
    let mut failing = services_view((120, 12));
    let generation = failing.browse.generation;
    let why = "forbidden: this user may not watch services".to_string();
    failing.absorb(Data::Browse { generation, update: gpudeck::event::BrowseUpdate::Failed(why) });
    insta::assert_snapshot!("browse_failing", render(&failing));
    let mut empty = State::new("prod-east", false, NOW, (120, 12));
    empty.pane = Pane::Browse;
    insta::assert_snapshot!("browse_empty", render(&empty));
}

/// The Helm view at 120×30: releases (one unreadable), a release's history, a diff between two revisions, and the
/// live objects of one.
#[test]
fn helm_releases_history_diff_and_objects() {
    use gpudeck::model::ObjectId;
    use gpudeck::model::helm::live::{LiveObject, LiveState};
    use gpudeck::model::helm::ops::{HelmData, HelmEffect};
    use gpudeck::model::helm::{Revision, Storage, Summary};

    let revision = |release: &str, n: i64, content: Result<(&str, &str), &str>, ago: i64| Revision {
        record: ObjectId {
            namespace: "ml-serve".into(),
            name: format!("sh.helm.release.v1.{release}.v{n}"),
            uid: format!("{release}-{n}"),
        },
        storage: Storage::Secret,
        release: release.into(),
        revision: n,
        content: content
            .map(|(status, description)| Summary {
                status: status.into(),
                chart: format!("{release}-0.{n}.0"),
                app_version: format!("2.{n}.0"),
                updated: NOW - ago,
                description: description.into(),
            })
            .map_err(String::from),
    };
    let mut s = fixture((120, 30));
    let upserts = vec![
        revision("reranker", 1, Ok(("superseded", "Install complete")), 9 * 86400),
        revision("reranker", 2, Ok(("deployed", "Upgrade complete")), 2 * 86400),
        revision(
            "reranker",
            3,
            Ok(("failed", "Upgrade \"reranker\" failed: timed out waiting for the condition")),
            1200,
        ),
        revision("web", 4, Ok(("pending-upgrade", "Preparing upgrade")), 1500),
        revision("broken", 1, Err("the record is neither gzip nor JSON (expected value at line 1 column 1)"), 0),
    ];
    s.absorb(Data::Helm(HelmData::Revisions(Storage::Secret, Delta { reset: true, upserts, deletes: vec![] })));
    for storage in [Storage::ConfigMap, Storage::Tiller] {
        s.absorb(Data::Helm(HelmData::Revisions(storage, Delta { reset: true, upserts: vec![], deletes: vec![] })));
    }
    s.act(Action::PaneHelm);
    s.settle();
    insta::assert_snapshot!("helm_releases_120x30", render(&s));

    s.helm.releases.select_uid("ml-serve/reranker".into());
    s.act(Action::DrillIn);
    s.settle();
    let record = |n: i64, status: &str, tag: &str| {
        json!({"name": "reranker", "namespace": "ml-serve", "version": n, "info": {"status": status},
            "config": {"image": {"tag": tag}},
            "manifest": format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reranker\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: server\n        image: ghcr.io/acme-ml/reranker:{tag}\n")})
    };
    let generation = match s.effects.iter().rev().find_map(|e| match e {
        gpudeck::event::Effect::Helm(HelmEffect::Records { generation, .. }) => Some(*generation),
        _ => None,
    }) {
        Some(g) => g,
        None => panic!("opening a release reads its records"),
    };
    let records = vec![record(1, "superseded", "2.3.0"), record(2, "deployed", "2.4.0"), record(3, "failed", "2.4.1")];
    s.absorb(Data::Helm(HelmData::Records { generation, result: Ok(records) }));
    s.settle();
    insta::assert_snapshot!("helm_history_120x30", render(&s));

    s.act(Action::DrillIn);
    insta::assert_snapshot!("helm_diff_120x30", render(&s));
    s.act(Action::Back);

    s.act(Action::HelmObjects);
    let generation = s.helm.generation;
    let object = |kind: &str, name: &str, state, why: &str| LiveObject {
        api_version: if kind == "Deployment" { "apps/v1" } else { "v1" }.into(),
        kind: kind.into(),
        namespace: "ml-serve".into(),
        name: name.into(),
        state,
        why: why.into(),
    };
    let objects = vec![
        object("Deployment", "reranker", LiveState::Unhealthy, "0 of 2 replicas ready"),
        object("Service", "reranker", LiveState::Missing, "not in the cluster"),
        object("ConfigMap", "reranker-config", LiveState::Drifted, "data.batch: 32 → 64"),
        object(
            "Secret",
            "reranker-token",
            LiveState::Unreadable,
            "forbidden: this user may not get secrets in namespace ml-serve",
        ),
    ];
    s.absorb(Data::Helm(HelmData::Objects { generation, result: Ok(objects) }));
    s.settle();
    insta::assert_snapshot!("helm_objects_120x30", render(&s));
}
