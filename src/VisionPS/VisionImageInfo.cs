using VisionPS.Core.Imaging;

namespace VisionPS
{
    /// <summary>What Get-VisionImageInfo reports for one file.</summary>
    public sealed class VisionImageInfo
    {
        internal VisionImageInfo(string path, ImageHeader header)
        {
            Path = path;
            Format = header.Format.ToString();
            Width = header.Width;
            Height = header.Height;
            Orientation = header.Orientation;
        }

        /// <summary>Full path of the file.</summary>
        public string Path { get; }

        /// <summary>Container format from the file's magic bytes (never its extension).</summary>
        public string Format { get; }

        /// <summary>Stored width in pixels.</summary>
        public int Width { get; }

        /// <summary>Stored height in pixels.</summary>
        public int Height { get; }

        /// <summary>EXIF orientation 1..8; 1 is upright.</summary>
        public int Orientation { get; }
    }
}
