namespace VisionPS.Core.Imaging
{
    /// <summary>What an image's header says, read without decoding pixels.</summary>
    public sealed class ImageHeader
    {
        public ImageHeader(ImageFormat format, int width, int height, int orientation)
        {
            Format = format;
            Width = width;
            Height = height;
            Orientation = orientation is >= 1 and <= 8 ? orientation : 1;
        }

        public ImageFormat Format { get; }

        /// <summary>Stored width in pixels, before EXIF orientation is applied.</summary>
        public int Width { get; }

        /// <summary>Stored height in pixels, before EXIF orientation is applied.</summary>
        public int Height { get; }

        /// <summary>EXIF orientation 1..8 (1 = upright).</summary>
        public int Orientation { get; }

        /// <summary>Width as displayed, after the orientation is applied (orientations 5-8 swap the sides).</summary>
        public int DisplayWidth => Orientation >= 5 ? Height : Width;

        /// <summary>Height as displayed, after the orientation is applied.</summary>
        public int DisplayHeight => Orientation >= 5 ? Width : Height;

        /// <summary>Whether the image can carry transparency (an alpha channel or a transparent palette entry).</summary>
        public bool HasAlpha { get; internal set; }

        /// <summary>How the file stores colour.</summary>
        public ImageColorType ColorType { get; internal set; }

        /// <summary>Bits per channel sample (8 for most files, 16 for 16-bit PNG/TIFF, 1-4 for small palettes); 0 if unknown.</summary>
        public int BitDepth { get; internal set; }

        /// <summary>Whether the file embeds an ICC colour profile.</summary>
        public bool HasIccProfile { get; internal set; }

        /// <summary>A PNG's gAMA value x 100000 (45455 is sRGB's 1/2.2), or 0 when it has none.</summary>
        internal int PngGamma { get; set; }

        /// <summary>
        /// A PNG's cICP chunk (colour primaries, transfer function, matrix, full-range flag: ITU-T H.273 code points),
        /// or null when it has none. It overrides iCCP, sRGB, gAMA and cHRM; Skia's PNG codec does not read it.
        /// </summary>
        internal byte[]? PngCicp { get; set; }

        /// <summary>
        /// The ICC profile a BMP (BITMAPV5HEADER, PROFILE_EMBEDDED) or a GIF (an ICCRGBG1012 application extension)
        /// carries, or null. Skia's BMP and GIF codecs ignore it; browsers convert with it.
        /// </summary>
        internal byte[]? IccProfileSkiaIgnores { get; set; }

        /// <summary>
        /// Why a GIF's ICC profile extension cannot be converted with (cut short, over 4 MB, damaged, not RGB), or null:
        /// its colours are then sent as stored, and a warning says so.
        /// </summary>
        internal string? IccProfileProblem { get; set; }

        /// <summary>A cICP chunk that names something other than sRGB (1/13/0/1).</summary>
        internal bool HasNonSrgbCicp => PngCicp is { } c && !(c[0] == 1 && c[1] == 13 && c[2] == 0 && c[3] == 1);

        /// <summary>Progressive JPEG or interlaced PNG/GIF.</summary>
        public bool IsProgressive { get; internal set; }

        /// <summary>
        /// A lossless JPEG (SOF3, SOF7, SOF11, SOF15): few decoders read one (no browser; Skia's codec misreads it), so it
        /// is never passed through and ImageMagick decodes it.
        /// </summary>
        internal bool IsLosslessJpeg { get; set; }

        /// <summary>
        /// An arithmetic-coded JPEG (SOF9 to SOF15): browsers do not read one and many decoders are built without it, so
        /// it is never passed through; libjpeg-turbo here decodes it and it is re-encoded.
        /// </summary>
        internal bool IsArithmeticJpeg { get; set; }

        /// <summary>
        /// An animated PNG whose default image (its IDAT) is not one of its frames (no fcTL before the IDAT): viewers that
        /// animate never show it; those that do not show only it.
        /// </summary>
        internal bool ApngDefaultImageHidden { get; set; }

        /// <summary>
        /// The frame count an APNG's acTL chunk declares when its fcTL chunks hold another number of frames
        /// (<see cref="FrameCount"/> counts those), as the chunk says it (0 is possible); null when the two agree or the
        /// image is no APNG.
        /// </summary>
        internal int? ApngDeclaredFrames { get; set; }

        /// <summary>
        /// An APNG, complete to its IEND, whose acTL declares more frames than its fcTL chunks hold: frames were cut or
        /// edited out, so it is damaged (<see cref="ApngDeclaredFrames"/> says how many it should hold).
        /// </summary>
        internal bool ApngFramesMissing => ApngDeclaredFrames is int declared && declared > ApngFramesHeld && !ApngFramesPastRead && !ApngFrameCapReached;

        /// <summary>
        /// The animation frames an APNG's fcTL chunks hold: <see cref="FrameCount"/>, except that a default image that is
        /// no frame, with no frame after it, holds 0 (the header counts 1 for the picture there is).
        /// </summary>
        internal int ApngFramesHeld => ApngNoFrames ? 0 : FrameCount;

        /// <summary>An APNG whose default image is no frame and whose chunks hold no frame at all.</summary>
        internal bool ApngNoFrames { get; set; }

        /// <summary>The frame walk stopped at its cap (100,000 frames) before the file's IEND: the frames past it are not counted.</summary>
        internal bool ApngFrameCapReached { get; set; }

        /// <summary>
        /// An APNG whose chunks go on past the bytes read (a header look reads a file's first bytes): frames there are
        /// not counted in <see cref="FrameCount"/>.
        /// </summary>
        internal bool ApngFramesPastRead { get; set; }

        /// <summary>Number of frames (1 for still images); a multi-page TIFF's pages. Only the first is sent.</summary>
        public int FrameCount { get; internal set; } = 1;

        /// <summary>Whether the image is an animation (more than one frame; a TIFF's pages are no animation).</summary>
        public bool IsAnimated => FrameCount > 1 && Format != ImageFormat.Tiff;

        /// <summary>Size of the encoded file in bytes.</summary>
        public long ByteLength { get; internal set; }

        /// <summary>
        /// The MIME type the vision API accepts these bytes as unchanged (PNG, JPEG, WebP, still GIF), or null when the
        /// image must be re-encoded before it can be sent.
        /// </summary>
        public string? Mime => IsAnimated && Format is ImageFormat.WebP or ImageFormat.Gif ? null : MimeTypes.Accepted(Format);
    }
}
