//! Catalyst's shared editor toolkit (egui on nice-plug-egui): one theme, parameter-bound knobs,
//! toggles and menus, a generic parameter panel, scrolling and bar timelines and a preset bar,
//! inside a resizable editor shell whose size is saved with the plugin state.
//!
//! Threading: widgets run on the GUI thread only. Audio-to-GUI data comes through lock-free
//! structures (`shared_dsp::gui_channel`); nothing here ever blocks the audio thread.

pub mod bar_timeline;
pub mod compare;
pub mod controls;
pub mod editor;
pub mod grid_view;
pub mod keyboard;
pub mod knob;
pub mod panel;
pub use catalyst_editor_core::param;
pub mod preset;
pub mod theme;
pub mod timeline;
pub use catalyst_editor_core::user_preset;

pub use compare::CompareAction;
pub use controls::{Choice, Toggle};
// The GUI-free half, re-exported so editors import one crate.
pub use catalyst_editor_core::{
    DirectGuiContext, EditorLayout, SharedCompare, SharedLayout, shared_compare, shared_layout,
};
pub use editor::{CatalystApp, CatalystEditor, EditorSpec, header};
pub use keyboard::keyboard_view;
pub use knob::Knob;
pub use panel::{ParamPanel, control, group_params};
pub use param::{ParamHandle, ParamKind};
pub use preset::{Preset, PresetBrowser, PresetLoader, PresetState, StateMap};
pub use theme::Theme;
pub use timeline::{Marker, RefLine, envelope_view};

pub use catalyst_presets;
pub use egui;
pub use nice_plug::context::gui::GuiContext;
