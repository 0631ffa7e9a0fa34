//! Catalyst's shared editor toolkit (egui on nice-plug-egui): one theme, parameter-bound knobs,
//! toggles and menus, a generic parameter panel, meters, scrolling timelines and a preset bar,
//! inside a resizable editor shell whose size is saved with the plugin state.
//!
//! Threading: widgets run on the GUI thread only. Audio-to-GUI data comes through lock-free
//! structures (`shared_dsp::gui_channel`); nothing here ever blocks the audio thread.

pub mod bar_timeline;
pub mod controls;
pub mod direct_context;
pub mod editor;
pub mod grid_view;
pub mod keyboard;
pub mod knob;
pub mod meter;
pub mod panel;
pub mod param;
pub mod preset;
pub mod theme;
pub mod timeline;
pub mod user_preset;

pub use controls::{Choice, Toggle};
pub use direct_context::DirectGuiContext;
pub use editor::{
    CatalystApp, CatalystEditor, EditorLayout, EditorSpec, SharedLayout, header, shared_layout,
};
pub use keyboard::keyboard_view;
pub use knob::Knob;
pub use meter::{MeterBallistics, level_meter};
pub use panel::{ParamPanel, control, group_params};
pub use param::{ParamHandle, ParamKind};
pub use preset::{Preset, PresetBrowser, PresetLoader, PresetState, StateMap};
pub use theme::Theme;
pub use timeline::{History, Marker, RefLine, envelope_view, history_view};

pub use catalyst_presets;
pub use egui;
pub use nice_plug::context::gui::GuiContext;
