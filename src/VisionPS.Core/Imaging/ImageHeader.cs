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
            Orientation = orientation;
        }

        public ImageFormat Format { get; }

        /// <summary>Stored width in pixels, before EXIF orientation is applied.</summary>
        public int Width { get; }

        /// <summary>Stored height in pixels, before EXIF orientation is applied.</summary>
        public int Height { get; }

        /// <summary>EXIF orientation 1..8 (1 = upright).</summary>
        public int Orientation { get; }
    }
}
