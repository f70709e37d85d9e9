use std::collections::HashMap;
use std::time::Duration;

use super::fit::{FitQuery, fit, fragmentation};
use super::*;
use crate::model::dcgm::Scrape;
use crate::model::gpu::LocalGpu;
use crate::state::table::Row;

fn node(name: &str, product: &str, gpus: u32, status: &str, taints: &[&str]) -> NodeRow {
    NodeRow {
        id: ObjectId { namespace: String::new(), name: name.into(), uid: format!("uid-{name}") },
        status: status.into(),
        health: Health::Ok,
        pressure: Vec::new(),
        roles: "<none>".into(),
        pool: String::new(),
        gpu_product: product.into(),
        gpu_capacity: gpus,
        gpu_allocatable: gpus,
        cpu_allocatable: 0,
        mem_allocatable: 0,
        created: 0,
        kubelet: String::new(),
        runtime: String::new(),
        taints: taints.iter().map(|t| t.to_string()).collect(),
        validated: None,
        platform: "linux/amd64".into(),
    }
}

/// Four H100 nodes and one A100 node: free blocks 3, 1, 2 (cordoned), 8 (tainted), and 4 on the A100.
fn cluster() -> Gpus {
    let nodes: HashMap<String, NodeRow> = [
        node("h1", "NVIDIA-H100-80GB-HBM3", 8, "Ready", &["nvidia.com/gpu:NoSchedule"]),
        node("h2", "NVIDIA-H100-80GB-HBM3", 8, "Ready", &[]),
        node("h3", "NVIDIA-H100-80GB-HBM3", 8, "Ready,SchedulingDisabled", &[]),
        node(
            "h4",
            "NVIDIA-H100-80GB-HBM3",
            8,
            "Ready",
            &["dedicated:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule"],
        ),
        node("h5", "NVIDIA-H100-80GB-HBM3", 8, "Ready", &["nvidia.com/gpu.unhealthy:NoExecute"]),
        node("a1", "NVIDIA-A100-SXM4-80GB", 4, "Ready", &[]),
        node("cpu", "", 0, "Ready", &[]),
    ]
    .into_iter()
    .map(|n| (n.id.uid.clone(), n))
    .collect();
    let requested: HashMap<String, u32> =
        [("h1", 5), ("h2", 7), ("h3", 6), ("h4", 0), ("h5", 0)].into_iter().map(|(n, r)| (n.to_string(), r)).collect();
    let mut gpus = Gpus::new(Duration::from_secs(10));
    gpus.rebuild(&nodes, &requested);
    gpus
}

#[test]
fn fit_honours_the_gpu_taint_cordons_and_other_taints_and_picks_the_tightest_node() {
    let gpus = cluster();
    let lines = gpus.lines();
    assert_eq!(lines.len(), 6, "the CPU node has no GPU line");
    let report = fit(&lines, &FitQuery { gpus: 2, product: Some("h100".into()) });
    assert_eq!(report.fits, vec![("h1".to_string(), 3)], "h2 has one free; h3 is cordoned; h4 is tainted");
    assert_eq!(
        report.excluded,
        vec![
            ("h3".to_string(), "cordoned".to_string()),
            ("h4".to_string(), "taint dedicated:NoSchedule".to_string()),
            ("h5".to_string(), "taint nvidia.com/gpu.unhealthy:NoExecute".to_string()),
        ]
    );
    let anywhere = fit(&lines, &FitQuery { gpus: 1, product: None });
    let order: Vec<(&str, u32)> = anywhere.fits.iter().map(|(n, f)| (n.as_str(), *f)).collect();
    assert_eq!(order, [("h2", 1), ("h1", 3), ("a1", 4)], "best fit: the tightest block first");
    let big = fit(&lines, &FitQuery { gpus: 4, product: Some("H100-80GB".into()) });
    assert!(big.fits.is_empty());
    assert_eq!(big.largest, Some(("h1".to_string(), 3)), "the largest block it could use, tainted h4 not counted");
    let none = fit(&lines, &FitQuery { gpus: 1, product: Some("L4".into()) });
    assert_eq!((none.fits.len(), none.largest), (0, None));
}

#[test]
fn fragmentation_counts_only_schedulable_free_gpus() {
    let gpus = cluster();
    let f = fragmentation(&gpus.lines());
    assert_eq!((f.free, f.largest_block, f.nodes_with_free), (8, 4, 3), "h1 3 + h2 1 + a1 4");
    assert_eq!(f.percent(), 50);
    assert_eq!(fragmentation(&[]).percent(), 0);
    assert_eq!(FitQuery::parse(&["4", "h100"]), Ok(FitQuery { gpus: 4, product: Some("h100".into()) }));
    assert!(FitQuery::parse(&["0"]).is_err() && FitQuery::parse(&["four"]).is_err() && FitQuery::parse(&[]).is_err());
}

const SCRAPE: &str = "\
DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-0\",Hostname=\"h1\",namespace=\"ml\",pod=\"train-0\"} 90
DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-1\",Hostname=\"h1\",namespace=\"ml\",pod=\"train-0\"} 70
DCGM_FI_DEV_GPU_UTIL{gpu=\"2\",UUID=\"GPU-2\",Hostname=\"h1\",namespace=\"ml\",pod=\"notebook-0\"} 0
DCGM_FI_DEV_GPU_UTIL{gpu=\"3\",UUID=\"GPU-3\",Hostname=\"h1\"} 20
DCGM_FI_DEV_XID_ERRORS{gpu=\"3\",UUID=\"GPU-3\",Hostname=\"h1\"} 79
DCGM_FI_DEV_GPU_TEMP{gpu=\"1\",UUID=\"GPU-1\",Hostname=\"h1\",namespace=\"ml\",pod=\"train-0\"} 91
";

fn scrape(text: &str) -> Scrape {
    let mut s = Scrape::default();
    s.fold(text, None);
    s.exporters = 1;
    s
}

#[test]
fn a_scrape_colours_the_grid_feeds_triage_and_keeps_history() {
    let nodes: HashMap<String, NodeRow> =
        [node("h1", "NVIDIA-H100-80GB-HBM3", 8, "Ready", &[])].into_iter().map(|n| (n.id.uid.clone(), n)).collect();
    let requested = HashMap::from([("h1".to_string(), 5)]);
    let mut gpus = Gpus::new(Duration::from_secs(10));
    gpus.rebuild(&nodes, &requested);
    let line = gpus.table.all().next().cloned().unwrap();
    assert_eq!(line.heat, [[Heat::Held; 5].as_slice(), &[Heat::Free; 3]].concat(), "allocation alone before DCGM");

    gpus.absorb_scrape(Ok(scrape(SCRAPE)), 100);
    gpus.rebuild(&nodes, &requested);
    let line = gpus.table.all().next().cloned().unwrap();
    assert_eq!(
        line.heat,
        [Heat::High, Heat::Hot, Heat::Idle, Heat::Xid, Heat::Held, Heat::Free, Heat::Free, Heat::Free],
        "scraped GPUs by utilization and fault (an idle GPU a pod holds is idle, not free), the unscraped by allocation"
    );
    assert_eq!(line.util, Some(45.0));
    assert_eq!(line.health(), Health::Error);
    assert_eq!(line.problems, ["gpu3 last XID 79 GPU has fallen off the bus", "gpu1 hot 91 °C"]);
    assert_eq!(line.cells()[2].shown(0), "█ ▲ · ✗ ■ □ □ □");

    let triage = gpus.fault_lines(&nodes, 100);
    let found: Vec<(&str, &str, Health)> =
        triage.upserts.iter().map(|t| (t.id.uid.as_str(), t.problem.as_str(), t.severity)).collect();
    assert_eq!(found.len(), 2);
    assert!(found.contains(&("gpu/h1/3", "last XID 79", Health::Error)), "{found:?}");
    assert!(found.contains(&("gpu/h1/1", "hot", Health::Warn)), "{found:?}");
    let hot = triage.upserts.iter().find(|t| t.id.uid == "gpu/h1/1").unwrap();
    assert_eq!(hot.why, "91 °C; held by ml/train-0");
    assert_eq!(hot.object.as_ref().map(|o| o.uid.as_str()), Some("uid-h1"), "enter jumps to the node");
    assert_eq!(gpus.pod_utilization()["ml"]["train-0"], 80);

    // The next scrape: the XID is gone, the heat stays and keeps the time it was first seen.
    let calmer = SCRAPE.replace("} 79", "} 0");
    gpus.absorb_scrape(Ok(scrape(&calmer)), 110);
    let triage = gpus.fault_lines(&nodes, 110);
    assert_eq!(triage.deletes, ["gpu/h1/3"]);
    assert_eq!(triage.upserts.iter().map(|t| (t.id.uid.as_str(), t.since)).collect::<Vec<_>>(), [("gpu/h1/1", 100)]);
    assert_eq!(gpus.history[&("h1".to_string(), 0)].values().collect::<Vec<_>>(), [90, 90]);

    // The node's exporter stops answering: its figures and faults stay, marked as from an earlier scrape.
    let mut silent = Scrape::default();
    silent.failures.push(("h1".into(), "pod dcgm-x: no answer within 5 s".into()));
    gpus.absorb_scrape(Ok(silent), 115);
    gpus.rebuild(&nodes, &requested);
    let line = gpus.table.all().next().cloned().unwrap();
    assert_eq!(line.heat[1], Heat::Hot);
    assert!(
        line.problems[0].starts_with("exporter not answering (pod dcgm-x: no answer within 5 s)"),
        "{:?}",
        line.problems
    );
    assert!(gpus.fault_lines(&nodes, 115).deletes.is_empty(), "the heat is still reported");
    assert_eq!(gpus.history[&("h1".to_string(), 0)].values().len(), 2, "history kept, not extended");

    // A failed scrape says why and leaves the grid to allocation.
    gpus.absorb_scrape(Err("forbidden".into()), 120);
    gpus.rebuild(&nodes, &requested);
    assert_eq!(gpus.dcgm, Feed::Unavailable("forbidden".into()));
    assert_eq!(gpus.table.all().next().unwrap().heat[0], Heat::Held);
    assert!(gpus.fault_lines(&nodes, 120).deletes.contains(&"gpu/h1/1".to_string()));
}

#[test]
fn pending_gpu_pods_come_and_go_with_the_scheduler() {
    let mut gpus = Gpus::default();
    let pod = |node: &str, status: &str| PodRow {
        id: ObjectId { namespace: "ml".into(), name: "eval".into(), uid: "p1".into() },
        ready: (0, 1),
        status: status.into(),
        health: Health::Pending,
        restarts: 0,
        last_restart: None,
        created: 5,
        node: node.into(),
        gpus: 8,
        why: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.".into(),
        labels: Default::default(),
        owner: None,
        claims: Vec::new(),
        empty_dir: false,
        containers: vec![],
        ports: Vec::new(),
        usage: None,
        gpu_util: None,
        images: Vec::new(),
        pull_image: None,
        registry: None,
    };
    gpus.track_pod(&pod("", "Pending"));
    assert_eq!(gpus.pending["p1"].gpus, 8);
    assert!(gpus.pending["p1"].why.contains("Insufficient nvidia.com/gpu"));
    gpus.track_pod(&pod("h1", "ContainerCreating"));
    assert!(gpus.pending.is_empty(), "bound to a node");
    gpus.track_pod(&pod("", "Pending"));
    gpus.forget_pod("p1");
    assert!(gpus.pending.is_empty(), "deleted");
}

#[test]
fn local_samples_keep_five_minutes_and_a_lost_driver_says_why() {
    let mut gpus = Gpus::new(Duration::from_secs(10));
    let sample = |sm: u32| LocalGpu { index: 0, uuid: "GPU-x".into(), util: Some((sm, 1)), ..LocalGpu::default() };
    for i in 0..400 {
        gpus.absorb_local(Ok(vec![sample(i % 100)]), i64::from(i));
    }
    assert_eq!(gpus.local_gpus[0].sm.values().len(), 300, "5 minutes at 1 Hz");
    assert_eq!(gpus.local_gpus[0].sm.values().last(), Some(99));
    assert_eq!(gpus.chrome(), (4, 2));
    gpus.absorb_local(Err("the NVIDIA driver is not loaded".into()), 401);
    assert_eq!(gpus.local, Feed::Unavailable("the NVIDIA driver is not loaded".into()));
    assert!(gpus.local_gpus.is_empty());
    assert_eq!(gpus.chrome(), (4, 1));
}

#[test]
fn dcgm_is_scraped_often_only_while_the_pane_has_focus() {
    let mut s = crate::state::State::new("demo", false, 0, (200, 50));
    assert_eq!(s.dcgm_interval(), Duration::from_secs(60), "another pane has focus");
    s.act(crate::action::Action::PaneGpu);
    assert_eq!(s.dcgm_interval(), Duration::from_secs(10));
    s.gpus.dcgm_every = Duration::from_secs(120);
    s.act(crate::action::Action::PaneTriage);
    assert_eq!(s.dcgm_interval(), Duration::from_secs(120), "a longer configured interval is kept everywhere");
}

#[test]
fn history_spans_five_minutes_however_often_values_come() {
    let mut gpus = Gpus::new(Duration::from_secs(10));
    for (at, util) in [(0, 10), (60, 20), (290, 30), (360, 40)] {
        let text = format!("DCGM_FI_DEV_GPU_UTIL{{gpu=\"0\",UUID=\"GPU-0\",Hostname=\"h1\"}} {util}\n");
        gpus.absorb_scrape(Ok(scrape(&text)), at);
    }
    let kept: Vec<u64> = gpus.history[&("h1".to_string(), 0)].values().collect();
    assert_eq!(kept, [30, 40], "at 360 s the values of 0 s and 60 s (300 s old) are gone");
}
