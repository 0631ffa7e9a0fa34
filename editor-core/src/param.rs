//! Type-erased access to one host parameter, so the same knob, toggle and menu work for any
//! `FloatParam`, `IntParam`, `BoolParam` or `EnumParam`, including ones found by iterating
//! `Params::param_map()`.
//!
//! Every change goes through the GUI context with a begin/set/end gesture, so the host records
//! automation and undo exactly as for its own controls.

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::{Param, ParamFlags, ParamPtr};

/// A parameter plus the GUI context used to change it.
#[derive(Clone, Copy)]
pub struct ParamHandle<'a> {
    ptr: ParamPtr,
    ctx: &'a GuiContext,
}

/// How a parameter is best shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A continuous or finely stepped value: a knob.
    Continuous,
    /// On/off: a toggle.
    Toggle,
    /// A short list of named choices: a menu.
    Choice,
}

impl<'a> ParamHandle<'a> {
    /// Wraps a typed parameter (`&self.params.gain`).
    pub fn new<P: Param>(param: &P, ctx: &'a GuiContext) -> Self {
        Self {
            ptr: param.as_ptr(),
            ctx,
        }
    }

    /// Wraps a pointer from `Params::param_map()`.
    ///
    /// # Safety
    /// `ptr` must point into a `Params` object that outlives the handle (true for the plugin's
    /// `Arc<Params>` that the editor keeps alive).
    pub unsafe fn from_ptr(ptr: ParamPtr, ctx: &'a GuiContext) -> Self {
        Self { ptr, ctx }
    }

    // SAFETY for all the `unsafe` blocks below: the pointer is valid for the handle's lifetime
    // (guaranteed by the constructors).

    pub fn ptr(&self) -> ParamPtr {
        self.ptr
    }

    pub fn name(&self) -> &str {
        unsafe { self.ptr.name() }
    }

    pub fn flags(&self) -> ParamFlags {
        unsafe { self.ptr.flags() }
    }

    pub fn kind(&self) -> ParamKind {
        match self.ptr {
            ParamPtr::BoolParam(_) => ParamKind::Toggle,
            ParamPtr::EnumParam(_) => ParamKind::Choice,
            _ => ParamKind::Continuous,
        }
    }

    /// Normalized value including host modulation (what the audio thread uses).
    pub fn normalized(&self) -> f32 {
        unsafe { self.ptr.modulated_normalized_value() }
    }

    pub fn unmodulated_normalized(&self) -> f32 {
        unsafe { self.ptr.unmodulated_normalized_value() }
    }

    pub fn default_normalized(&self) -> f32 {
        unsafe { self.ptr.default_normalized_value() }
    }

    /// For parameters whose range spans zero (pan, pitch, cents): the normalized position of
    /// zero, where a knob's arc starts. `None` for one-sided ranges (gains, frequencies, times).
    pub fn bipolar_center(&self) -> Option<f32> {
        // SAFETY: see the constructors.
        let (lo, hi) = unsafe { (self.ptr.preview_plain(0.0), self.ptr.preview_plain(1.0)) };
        if lo < 0.0 && hi > 0.0 {
            Some(unsafe { self.ptr.preview_normalized(0.0) })
        } else {
            None
        }
    }

    /// Number of steps for discrete parameters (`None` when continuous).
    pub fn step_count(&self) -> Option<usize> {
        unsafe { self.ptr.step_count() }
    }

    /// The value as the host shows it, with unit ("-6.0 dB").
    pub fn display(&self) -> String {
        self.display_normalized(self.normalized())
    }

    pub fn display_normalized(&self, normalized: f32) -> String {
        unsafe { self.ptr.normalized_value_to_string(normalized, true) }
    }

    /// Parses typed text with the parameter's own parser ("-3", "-3 dB", "2k").
    pub fn parse(&self, text: &str) -> Option<f32> {
        unsafe { self.ptr.string_to_normalized_value(text.trim()) }
    }

    /// Snaps a normalized value to what the parameter can hold (steps, integer values).
    pub fn snap(&self, normalized: f32) -> f32 {
        let normalized = normalized.clamp(0.0, 1.0);
        unsafe {
            self.ptr
                .preview_normalized(self.ptr.preview_plain(normalized))
        }
    }

    /// Starts a gesture (mouse down on a control).
    pub fn begin(&self) {
        unsafe { self.ctx.raw_begin_set_parameter(self.ptr) };
    }

    /// Sets a value inside a gesture; snapped, and only sent when it changes.
    pub fn set_normalized(&self, normalized: f32) {
        let snapped = self.snap(normalized);
        if snapped != self.unmodulated_normalized() {
            unsafe { self.ctx.raw_set_parameter_normalized(self.ptr, snapped) };
        }
    }

    /// Ends a gesture.
    pub fn end(&self) {
        unsafe { self.ctx.raw_end_set_parameter(self.ptr) };
    }

    /// A complete one-shot gesture: begin, set, end (typed values, resets, menu picks).
    pub fn set_once(&self, normalized: f32) {
        self.begin();
        self.set_normalized(normalized);
        self.end();
    }

    pub fn reset(&self) {
        self.set_once(self.default_normalized());
    }
}
