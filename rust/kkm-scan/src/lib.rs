//! # kkm-scan — from camera frames to codes
//!
//! Owns decoding of camera frames as Android delivers them (the Y plane of
//! YUV_420_888 / NV21 with its row stride, or RGBA) and of image files: DataMatrix
//! (GS1 with FNC1), QR, EAN-13/EAN-8/UPC-A and Code 128, with the preprocessing and
//! search strategy that decide the result on real photos. It also parses GS1 marking
//! codes into a typed `ExciseMark` and the OFD receipt QR (`i`, `f`, `s`, `t`) used for
//! returns by scanning a receipt.
#![forbid(unsafe_code)]
