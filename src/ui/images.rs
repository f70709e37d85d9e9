//! Draws the images pane: what each registry's catalog said, then the repositories, one repository's tags, or one
//! tag's manifest (platforms, sizes, config, and the pods and nodes running it).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::plural;
use crate::layout::IMAGES_CHROME;
use crate::model::registry::{ManifestDetail, human_size, short_digest};
use crate::state::State;
use crate::state::images::{Detail, Images, Listing, Users};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let images = &state.images;
    let [head, body] = Layout::vertical([Constraint::Length(IMAGES_CHROME), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(vec![registries(images, theme), location(images, theme)]), head);
    match (&images.detail, &images.open) {
        (Some(detail), _) => frame.render_widget(Paragraph::new(detail_lines(detail, images, theme)), body),
        (None, Some(_)) => super::table::render(frame, body, &images.tags, state, theme, "no tags"),
        (None, None) => {
            let empty = if images.registries.is_empty() {
                "no registries: pods name none, and none is configured (--registry URL, :images HOST)"
            } else {
                "no repositories"
            };
            super::table::render(frame, body, &images.repos, state, theme, empty)
        }
    }
}

/// Each registry and what its catalog said; the ones that said no come first.
fn registries(images: &Images, theme: &Theme) -> Line<'static> {
    let mut failed: Vec<Span> = Vec::new();
    let mut listed: Vec<Span> = Vec::new();
    for (registry, listing) in &images.registries {
        match listing {
            Listing::Loading => listed.push(Span::styled(format!("{registry}: listing…  "), theme.style(Slot::Muted))),
            Listing::Catalog(n) => {
                listed.push(Span::raw(format!("{registry}: {n} repositor{}  ", if *n == 1 { "y" } else { "ies" })))
            }
            Listing::NoCatalog(why) => failed
                .push(Span::styled(format!("{why}; listing the repositories pods use  "), theme.style(Slot::Warn))),
        }
    }
    failed.extend(listed);
    Line::from(failed)
}

/// Where the operator is and what the keys do there.
fn location(images: &Images, theme: &Theme) -> Line<'static> {
    let text = match (&images.detail, &images.open) {
        (Some(d), _) => format!("{}/{}:{}  (esc: back to the tags)", d.registry, d.repository, d.tag),
        (None, Some(uid)) => {
            let n = images.tags.len();
            format!("{uid}: {n} tag{}, newest first  (enter: manifest · esc: repositories)", plural(n))
        }
        (None, None) => "enter: tags · :images HOST browses a registry, :images HOST/REPO lists a repository".into(),
    };
    Line::from(Span::styled(text, theme.style(Slot::Header)))
}

fn detail_lines(detail: &Detail, images: &Images, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = match &detail.manifest {
        None => vec![Line::styled("fetching the manifest…", theme.style(Slot::Muted))],
        Some(Err(why)) => vec![Line::styled(why.clone(), theme.style(Slot::Error))],
        Some(Ok(manifest)) => manifest_lines(manifest, theme),
    };
    lines.push(Line::raw(""));
    lines.extend(users_lines(images.users(&detail.tag), detail.manifest.as_ref().and_then(|m| m.as_ref().ok()), theme));
    lines
}

fn manifest_lines(m: &ManifestDetail, theme: &Theme) -> Vec<Line<'static>> {
    let kind =
        if m.index { format!("index of {} platforms", m.platforms.len()) } else { "single-platform image".to_string() };
    let mut lines = vec![
        Line::raw(format!("digest {}  {kind}  ({})", m.digest, m.media_type)),
        Line::styled(
            format!("{:<16} {:>11} {:>6}  {:<26} {}", "PLATFORM", "COMPRESSED", "LAYERS", "CREATED", "DIGEST"),
            theme.style(Slot::Header),
        ),
    ];
    for platform in &m.platforms {
        lines.push(match platform {
            Ok(p) => Line::raw(format!(
                "{:<16} {:>11} {:>6}  {:<26} {}",
                p.platform,
                human_size(p.compressed_size),
                p.layers,
                p.config.as_ref().ok().and_then(|c| c.created.clone()).unwrap_or_else(|| "-".into()),
                short_digest(&p.digest)
            )),
            Err((name, why)) => Line::styled(format!("{name:<16} unreadable: {why}"), theme.style(Slot::Error)),
        });
    }
    // Entrypoint and labels of the first platform that has a config; platforms rarely differ in them.
    let config = m.platforms.iter().filter_map(|p| p.as_ref().ok()).find_map(|p| p.config.as_ref().ok());
    if let Some(config) = config {
        let command: Vec<String> = config.entrypoint.iter().chain(&config.cmd).cloned().collect();
        lines.push(Line::raw(format!(
            "entrypoint  {}",
            if command.is_empty() { "-".into() } else { command.join(" ") }
        )));
        for (i, (key, value)) in config.labels.iter().enumerate() {
            let head = if i == 0 { "labels" } else { "" };
            lines.push(Line::raw(format!("{head:<11} {key}={value}")));
        }
    }
    for problem in m.platforms.iter().filter_map(|p| p.as_ref().ok()?.config.as_ref().err()) {
        lines.push(Line::styled(format!("config unreadable: {problem}"), theme.style(Slot::Warn)));
    }
    lines
}

/// The pods naming this tag and the nodes they run on; digests other than the manifest's mean the tag moved.
fn users_lines(users: Option<&Users>, manifest: Option<&ManifestDetail>, theme: &Theme) -> Vec<Line<'static>> {
    let Some(users) = users.filter(|u| !u.pods.is_empty()) else {
        return vec![Line::styled("no pod uses this tag", theme.style(Slot::Muted))];
    };
    let mut lines = vec![Line::raw(format!(
        "used by {} pod{} on {} node{}",
        users.pods.len(),
        plural(users.pods.len()),
        users.nodes.len(),
        plural(users.nodes.len())
    ))];
    if users.failing > 0 {
        lines.push(Line::styled(format!("{} of them cannot pull it", users.failing), theme.style(Slot::Error)));
    }
    if let Some(m) = manifest {
        let current = |d: &str| d == m.digest || m.platforms.iter().flatten().any(|p| p.digest == d);
        let moved: usize = users.digests.iter().filter(|(d, _)| !current(d)).map(|(_, n)| n).sum();
        if moved > 0 {
            lines.push(Line::styled(
                format!("{moved} run an older digest of this tag (pulled before it moved)"),
                theme.style(Slot::Warn),
            ));
        }
    }
    lines.push(Line::raw(format!("nodes  {}", users.nodes.iter().cloned().collect::<Vec<_>>().join(", "))));
    for pod in users.pods.iter().take(20) {
        lines.push(Line::raw(format!("  {}/{}", pod.namespace, pod.name)));
    }
    if users.pods.len() > 20 {
        lines.push(Line::styled(format!("  … and {} more", users.pods.len() - 20), theme.style(Slot::Muted)));
    }
    lines
}
