//! The inference pane: the images to pick, a local validation's progress, each image's result and the verdict.

use std::sync::Arc;

use super::table::{Column, Delta, Row, SortKey, Table};
use crate::event::Effect;
use crate::infer::bundle::ModelSource;
use crate::infer::device::DeviceRequest;
use crate::infer::images::ImageSource;
use crate::infer::report::{ImageResult, ModelInfo, Report};
use crate::infer::run::{self, Catalogue, Progress};
use crate::model::cell::Cell;
use crate::model::{Health, ObjectId};

#[derive(Debug)]
pub struct Inference {
    pub table: Table<SampleLine>,
    /// None until the model and images are read (Err: why they could not be).
    pub model: Option<Result<ModelInfo, String>>,
    pub run: Option<Run>,
    /// What the pane validates with: the model and samples built into gpudeck, on `auto`.
    pub model_source: ModelSource,
    pub images: ImageSource,
    pub device: DeviceRequest,
    generation: u64,
    requested: bool,
}

/// One image: whether it is picked, its preview, and what the last run made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleLine {
    /// name and uid: the file name.
    pub id: ObjectId,
    pub expected: Option<String>,
    pub picked: bool,
    /// RGB at the model's input size; None for a file that could not be decoded.
    pub preview: Option<Arc<Preview>>,
    /// Why the file cannot be classified.
    pub problem: Option<String>,
    pub result: Option<ImageResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub side: usize,
    pub pixels: Vec<u8>,
}

/// A local validation: its progress, then its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub total: usize,
    pub done: usize,
    /// `classifying on cpu`, `timing batch 32`, …
    pub phase: String,
    pub report: Option<Result<Report, String>>,
}

const COLUMNS: &[Column] = &[
    Column::new("RUN", 4, 0),
    Column::new("IMAGE", 0, 0),
    Column::new("EXPECTED", 10, 1),
    Column::new("PREDICTED", 10, 0),
    Column::new("P", 6, 2),
    Column::new("MS", 8, 3),
    Column::new("PROBLEM", 30, 4),
];

impl Row for SampleLine {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let picked = if self.problem.is_some() {
            "-"
        } else if self.picked {
            "[x]"
        } else {
            "[ ]"
        };
        let (predicted, probability, ms) = match &self.result {
            Some(r) => (
                r.predicted.clone(),
                r.top.first().map(|s| format!("{:.3}", s.probability)).unwrap_or_default(),
                format!("{:.3}", r.latency_ms),
            ),
            None => Default::default(),
        };
        let problem = match (&self.problem, &self.result) {
            (Some(why), _) => why.clone(),
            (None, Some(r)) if r.correct() == Some(false) => "not what was expected".into(),
            _ => String::new(),
        };
        [
            picked.into(),
            self.id.name.clone(),
            self.expected.clone().unwrap_or_else(|| "-".into()),
            predicted,
            probability,
            ms,
            problem,
        ]
        .map(Cell::text)
        .into()
    }

    fn sort_key(&self, column: usize, _now: i64) -> SortKey<'_> {
        match column {
            2 => SortKey::Text(self.expected.as_deref().unwrap_or("")),
            3 => SortKey::Text(self.result.as_ref().map_or("", |r| r.predicted.as_str())),
            4 => SortKey::Num(
                self.result.as_ref().and_then(|r| r.top.first()).map_or(-1, |s| (s.probability * 1e6) as i64),
            ),
            5 => SortKey::Num(self.result.as_ref().map_or(-1, |r| (r.latency_ms * 1e3) as i64)),
            6 => SortKey::Num(i64::from(self.health() == Health::Error)),
            _ => SortKey::Text(&self.id.name),
        }
    }

    fn health(&self) -> Health {
        match (&self.problem, self.result.as_ref().and_then(ImageResult::correct)) {
            (Some(_), _) | (None, Some(false)) => Health::Error,
            _ => Health::Ok,
        }
    }

    fn search_text(&self) -> String {
        format!("{} {}", self.id.name, self.expected.as_deref().unwrap_or_default())
    }
}

impl Inference {
    pub fn new(model_source: ModelSource, images: ImageSource, device: DeviceRequest) -> Self {
        Inference {
            table: Table::sorted_by(1, false),
            model: None,
            run: None,
            model_source,
            images,
            device,
            generation: 0,
            requested: false,
        }
    }

    /// The pane came into view: read the model and images the first time.
    pub fn enter(&mut self) -> Option<Effect> {
        if self.requested {
            return None;
        }
        self.requested = true;
        Some(Effect::LoadSamples { model: self.model_source.clone(), images: self.images.clone() })
    }

    pub fn absorb_samples(&mut self, catalogue: Result<Box<Catalogue>, String>) {
        let catalogue = match catalogue {
            Ok(c) => *c,
            Err(why) => {
                self.model = Some(Err(why));
                return;
            }
        };
        let line = |name: &str| SampleLine {
            id: ObjectId { namespace: String::new(), name: name.to_string(), uid: name.to_string() },
            expected: None,
            picked: false,
            preview: None,
            problem: None,
            result: None,
        };
        let mut lines: Vec<SampleLine> = catalogue
            .pictures
            .into_iter()
            .map(|p| SampleLine {
                expected: p.expected,
                picked: true,
                preview: Some(Arc::new(Preview { side: p.side, pixels: p.pixels })),
                ..line(&p.file)
            })
            .collect();
        lines.extend(catalogue.skipped.into_iter().map(|s| SampleLine { problem: Some(s.reason), ..line(&s.file) }));
        self.model = Some(Ok(catalogue.model));
        self.table.apply(Delta { reset: true, upserts: lines, deletes: vec![] });
    }

    /// Space: pick or drop the selected image.
    pub fn toggle_pick(&mut self) {
        let Some(mut line) = self.table.selected_row().cloned() else { return };
        if line.problem.is_none() {
            line.picked = !line.picked;
            self.table.apply(Delta { reset: false, upserts: vec![line], deletes: vec![] });
        }
    }

    /// `a`: pick every image, or none when all are picked.
    pub fn pick_all(&mut self) {
        let usable = || self.table.all().filter(|l| l.problem.is_none());
        let pick = !usable().all(|l| l.picked);
        let lines: Vec<SampleLine> = usable().map(|l| SampleLine { picked: pick, ..l.clone() }).collect();
        self.table.apply(Delta { reset: false, upserts: lines, deletes: vec![] });
    }

    /// `v` or enter: validate the picked images; a run already going is superseded.
    pub fn start(&mut self) -> Result<Effect, String> {
        let picked: Vec<String> = self.table.all().filter(|l| l.picked).map(|l| l.id.name.clone()).collect();
        if picked.is_empty() {
            return Err("pick at least one image (space picks, a picks all)".into());
        }
        self.generation += 1;
        let cleared: Vec<SampleLine> = self.table.all().map(|l| SampleLine { result: None, ..l.clone() }).collect();
        self.table.apply(Delta { reset: false, upserts: cleared, deletes: vec![] });
        self.run = Some(Run { total: picked.len(), done: 0, phase: "loading the model".into(), report: None });
        let options = run::Options {
            model: self.model_source.clone(),
            images: self.images.clone(),
            device: self.device,
            only: Some(picked),
            ..run::Options::default()
        };
        Ok(Effect::Infer { generation: self.generation, options: Box::new(options) })
    }

    pub fn absorb_progress(&mut self, generation: u64, progress: Progress) {
        let Some(run) = self.run.as_mut().filter(|_| generation == self.generation) else { return };
        match progress {
            Progress::Loaded { device, total } => {
                run.total = total;
                run.phase = format!("classifying on {device}");
            }
            Progress::Classified(result) => {
                run.done += 1;
                if let Some(line) = self.table.get(&result.file) {
                    let line = SampleLine { result: Some(*result), ..line.clone() };
                    self.table.apply(Delta { reset: false, upserts: vec![line], deletes: vec![] });
                }
            }
            Progress::Timing(batch) => run.phase = format!("timing batches of {batch}"),
            Progress::Comparing => run.phase = "comparing with the CPU".into(),
        }
    }

    pub fn absorb_done(&mut self, generation: u64, report: Result<Box<Report>, String>) {
        if generation != self.generation {
            return;
        }
        // The report is the whole truth: every image's result, even those whose progress never arrived.
        if let Ok(report) = &report {
            let lines: Vec<SampleLine> = report
                .images
                .iter()
                .filter_map(|r| Some(SampleLine { result: Some(r.clone()), ..self.table.get(&r.file)?.clone() }))
                .collect();
            self.table.apply(Delta { reset: false, upserts: lines, deletes: vec![] });
        }
        if let Some(run) = self.run.as_mut() {
            run.done = run.total;
            run.report = Some(report.map(|r| *r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::images::Picture;
    use crate::infer::report::Skipped;

    fn pane_with(files: &[&str], broken: &[&str]) -> Inference {
        let mut pane = Inference::new(ModelSource::Shipped, ImageSource::Shipped, DeviceRequest::Cpu);
        let picture = |f: &&str| Picture { file: f.to_string(), expected: None, side: 2, pixels: vec![0; 12] };
        let skipped = |f: &&str| Skipped { file: f.to_string(), reason: "corrupt".into() };
        pane.absorb_samples(Ok(Box::new(Catalogue {
            model: ModelInfo::default(),
            pictures: files.iter().map(picture).collect(),
            skipped: broken.iter().map(skipped).collect(),
        })));
        pane.table.refresh(None, 0);
        pane
    }

    fn picked(pane: &Inference) -> Vec<String> {
        let mut names: Vec<String> = pane.table.all().filter(|l| l.picked).map(|l| l.id.name.clone()).collect();
        names.sort();
        names
    }

    #[test]
    fn samples_are_asked_for_once_and_broken_files_cannot_be_picked() {
        let mut pane = Inference::new(ModelSource::Shipped, ImageSource::Shipped, DeviceRequest::Auto);
        let mut effects = Vec::new();
        effects.extend(pane.enter());
        effects.extend(pane.enter());
        assert_eq!(effects.len(), 1);
        let mut pane = pane_with(&["a.png", "b.png"], &["bad.png"]);
        assert_eq!(picked(&pane), ["a.png", "b.png"], "every readable image starts picked");
        pane.pick_all();
        assert!(picked(&pane).is_empty(), "all were picked: a picks none");
        pane.pick_all();
        assert_eq!(picked(&pane), ["a.png", "b.png"], "bad.png stays out");
        pane.table.select_uid("bad.png".into());
        pane.toggle_pick();
        assert_eq!(picked(&pane), ["a.png", "b.png"]);
        let bad =
            pane.table.get("bad.png").map(|l| l.cells().iter().map(|c| c.shown(0).into_owned()).collect::<Vec<_>>());
        assert_eq!(bad.as_ref().map(|c| (c[0].as_str(), c[6].as_str())), Some(("-", "corrupt")));
    }

    #[test]
    fn a_run_needs_a_pick_and_a_newer_run_drops_the_older_ones_results() {
        let mut pane = pane_with(&["a.png"], &[]);
        pane.pick_all();
        let mut effects = Vec::new();
        assert_eq!(pane.start().err(), Some("pick at least one image (space picks, a picks all)".into()));
        assert!(pane.run.is_none(), "nothing starts without a pick");
        pane.pick_all();
        effects.push(pane.start().expect("starts"));
        effects.push(pane.start().expect("starts again"));
        let generations: Vec<u64> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Infer { generation, options } => {
                    assert_eq!(options.only, Some(vec!["a.png".to_string()]));
                    Some(*generation)
                }
                _ => None,
            })
            .collect();
        assert_eq!(generations, [1, 2]);
        let unfinished = |pane: &Inference| pane.run.as_ref().is_some_and(|r| r.report.is_none());
        assert!(unfinished(&pane));
        let result = ImageResult {
            file: "a.png".into(),
            expected: None,
            predicted: "x".into(),
            top: Vec::new(),
            latency_ms: 1.0,
        };
        pane.absorb_progress(1, Progress::Classified(Box::new(result.clone())));
        pane.absorb_done(1, Err("late".into()));
        assert_eq!(pane.table.get("a.png").and_then(|l| l.result.clone()), None, "run 1 was superseded");
        assert!(unfinished(&pane));
        pane.absorb_progress(2, Progress::Classified(Box::new(result.clone())));
        assert_eq!(pane.table.get("a.png").and_then(|l| l.result.clone()), Some(result));
        pane.absorb_done(2, Err("the model could not be read".into()));
        assert!(!unfinished(&pane));
        assert_eq!(pane.run.as_ref().and_then(|r| r.report.clone()), Some(Err("the model could not be read".into())));
    }
}
