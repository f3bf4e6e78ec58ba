using System;
using System.Text.RegularExpressions;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Proves a JPEG's entropy-coded data whole before its bytes pass through. Skia's codec decodes past corrupt data
    /// without a word (libjpeg's warnings never reach its caller; only a file cut short shows), so the check is a
    /// 1/8-scale libjpeg-turbo decode through Magick.NET, which reads every scan to EOI and reports what libjpeg warns
    /// about: bytes no block accounts for before a marker, a scan that runs out of data before its last block
    /// ("premature end of data segment"), a bad Huffman code, restart markers out of sequence; the same verdict as djpeg.
    /// It replaces Skia's own 1/8 decode of the file and costs about as much; the first check in a process loads
    /// Magick.NET. A sequential JPEG that is re-encoded is checked too (its Huffman data is a quarter to a half of its
    /// decode); a progressive one is not (its Huffman data is nearly all of its decode, so the check would double it).
    /// </summary>
    internal static class JpegScanCheck
    {
        private static volatile bool s_unavailable;

        /// <summary>
        /// Runs the check: true with <paramref name="damage"/> null when the scan is whole, or saying what is wrong.
        /// False when libjpeg could not give a verdict here (Magick.NET cannot be loaded, or stopped for a reason of its
        /// own, such as a resource limit): the caller then decodes the file itself.
        /// </summary>
        public static bool TryCheck(byte[] data, ImageHeader header, out JpegScanDamage? damage)
        {
            damage = null;
            if (s_unavailable)
            {
                return false;
            }
            string? warning;
            try
            {
                warning = MagickCodec.JpegDecodeWarning(data, header.Width, header.Height);
            }
            catch (Exception ex) when (MagickCodec.IsLoadFailure(ex))
            {
                s_unavailable = true;
                return false;
            }
            catch (Exception ex) when (MagickCodec.IsMagickException(ex))
            {
                // A fatal libjpeg error (a bogus Huffman table, an unknown marker) is damage; anything else is not a verdict.
                if (ex.GetType().Name.IndexOf("CorruptImage", StringComparison.Ordinal) < 0)
                {
                    return false;
                }
                damage = Describe(ex.Message);
                return true;
            }
            damage = warning is null || IsZeroPaddingBeforeEnd(warning, data) ? null : Describe(warning);
            return true;
        }

        /// <summary>
        /// Whether libjpeg's warning is "N extraneous bytes before marker 0xd9" and those N bytes, just before the
        /// end-of-image marker, are all zero: padding an encoder wrote after the last block (every block decoded; djpeg's
        /// pixels are those of the file without it, and browsers show it). Garbage there, or a scan that desynchronised
        /// and ended early, leaves bytes that are not all zero.
        /// </summary>
        /// <summary>The most padding bytes libjpeg's bit buffer reads without counting them as extraneous (3 to 6 measured).</summary>
        private const int PaddingHeldBack = 32;

        internal static bool IsZeroPaddingBeforeEnd(string warning, byte[] data)
        {
            Match m = Regex.Match(warning, @"(\d+) extraneous bytes before marker 0x[dD]9");
            if (!m.Success || !int.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int count) || count <= 0)
            {
                return false;
            }
            int eoi = JpegMarkers.EndOfImage(data) - 2;
            if (eoi - count < 2)
            {
                return false;
            }
            // The run of zeros that ends at EOI: libjpeg's bit buffer holds back a few of real padding's bytes, so the run
            // is a little longer than its count. A scan cut and filled with zeros decodes the zeros as flat blocks and
            // counts only what is left after its last block: its run is far longer than the count.
            int run = 0;
            while (run < eoi - 2 && data[eoi - 1 - run] == 0)
            {
                run++;
            }
            return run >= count && run - count <= PaddingHeldBack;
        }

        /// <summary>
        /// The check and the decode in one pass, for a JPEG that is re-encoded: libjpeg-turbo decodes it at the DCT scale
        /// of <paramref name="width"/> x <paramref name="height"/> into <paramref name="destination"/> (opaque RGBA, the
        /// samples unconverted), reading every scan to EOI and reporting what is wrong as <see cref="TryCheck"/> does.
        /// False when there are no pixels to use: a fatal error (<paramref name="damage"/> says what), or no verdict here
        /// (Magick.NET cannot be loaded or stopped for a reason of its own, or read another colour space or size), when
        /// the caller decodes the file itself.
        /// </summary>
        public static bool TryDecode(byte[] data, int width, int height, IntPtr destination, int rowBytes, out JpegScanDamage? damage)
        {
            damage = null;
            if (s_unavailable)
            {
                return false;
            }
            try
            {
                bool decoded = MagickCodec.JpegDecodeInto(data, width, height, destination, rowBytes, out string? warning);
                damage = warning is null || IsZeroPaddingBeforeEnd(warning, data) ? null : Describe(warning);
                return decoded;
            }
            catch (Exception ex) when (MagickCodec.IsLoadFailure(ex))
            {
                s_unavailable = true;
                return false;
            }
            catch (Exception ex) when (MagickCodec.IsMagickException(ex))
            {
                if (ex.GetType().Name.IndexOf("CorruptImage", StringComparison.Ordinal) >= 0)
                {
                    damage = Describe(ex.Message);
                }
                return false;
            }
        }

        /// <summary>
        /// Whether a libjpeg warning reports damaged image data (its JWRN_ messages for extraneous data, a data segment
        /// or file cut short, a bad Huffman or arithmetic code, a lost restart marker, an inconsistent progression),
        /// rather than something harmless such as an unknown JFIF revision.
        /// </summary>
        internal static bool IsCorruption(string warning)
        {
            bool Has(string s) => warning.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            return Has("Corrupt JPEG data") || Has("Premature end of JPEG file") || Has("Inconsistent progression");
        }

        /// <summary>libjpeg's message (ImageMagick's decoration removed) in VisionPS's words.</summary>
        internal static JpegScanDamage Describe(string raw)
        {
            string said = MagickCodec.Reason(raw);
            const string Corrupt = "Corrupt JPEG data: ";
            if (said.StartsWith(Corrupt, StringComparison.Ordinal))
            {
                said = said.Substring(Corrupt.Length);
            }
            said = Regex.Replace(said, "0x([0-9a-f]{2})", m => "0x" + m.Groups[1].Value.ToUpperInvariant());
            string libjpeg = $"(libjpeg: {said})";
            bool Has(string s) => said.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            const string Unknown = "how much of the image is affected is not known.";
            if (Has("premature end of data segment"))
            {
                return new JpegScanDamage($"its entropy-coded scan is corrupt: its data runs out before all of its blocks are decoded {libjpeg}",
                    "The blocks after the point where the data runs out decode grey or without detail, so the pixels there may be wrong; " + Unknown, raw);
            }
            if (Has("extraneous bytes before marker") || Has("bad Huffman code") || Has("bad arithmetic code"))
            {
                return new JpegScanDamage($"its entropy-coded scan is corrupt {libjpeg}",
                    "The decoder reads past the damage as best it can, so the pixels after it may be wrong; " + Unknown, raw);
            }
            if (Has("instead of RST"))
            {
                return new JpegScanDamage($"its restart markers are out of sequence, so part of its entropy-coded scan is lost or misplaced {libjpeg}",
                    "The blocks of the restart intervals around the damage may be wrong, missing or shifted; " + Unknown, raw);
            }
            if (Has("premature end of JPEG file"))
            {
                return new JpegScanDamage($"the file ends before all of its image data {libjpeg}",
                    "What is missing decodes grey or without detail, so the pixels there may be wrong; " + Unknown, raw);
            }
            if (Has("progression"))
            {
                return new JpegScanDamage($"its progressive scans are inconsistent {libjpeg}",
                    "Some coefficients are missing or refined twice, so the pixels may be wrong; " + Unknown, raw);
            }
            return new JpegScanDamage($"its JPEG data is corrupt {libjpeg}",
                "The pixels may be wrong where the decoder read past the damage; " + Unknown, raw);
        }
    }

    /// <summary>What libjpeg found wrong in a JPEG, in VisionPS's words, and its raw text for -Debug.</summary>
    internal sealed class JpegScanDamage
    {
        public JpegScanDamage(string problem, string effect, string raw)
        {
            Problem = problem;
            Effect = effect;
            Raw = raw;
        }

        /// <summary>What is wrong: "its entropy-coded scan is corrupt (libjpeg: 12 extraneous bytes before marker 0xD9)".</summary>
        public string Problem { get; }

        /// <summary>What a warning says about the pixels when the image is sent anyway.</summary>
        public string Effect { get; }

        /// <summary>ImageMagick's own text, kept for the debug stream.</summary>
        public string Raw { get; }

        /// <summary>The refusal: <see cref="ImageErrorReason.Damaged"/>, with the raw text in <c>Data["MagickMessage"]</c>.</summary>
        public ImageProcessingException Refuse(string name)
        {
            ImageProcessingException ex = ImageProcessingException.Damaged(name, ImageFormat.Jpeg, Problem);
            ex.Data["MagickMessage"] = Raw;
            return ex;
        }
    }
}
