using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The output size rules. An image is never enlarged; when it must shrink to fit a box, the aspect ratio is kept,
    /// the constrained side takes the box's size exactly and the other side is rounded down or up, whichever keeps
    /// the aspect ratio closer (Pillow's <c>Image.thumbnail</c>), and never below 1 px.
    /// </summary>
    public static class SizeRules
    {
        /// <summary>The size of a <paramref name="width"/> x <paramref name="height"/> image shrunk to fit the box.</summary>
        public static (int Width, int Height) FitWithin(int width, int height, int maxWidth, int maxHeight)
        {
            if (width <= 0 || height <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(width), "Image sides must be positive.");
            }
            if (width <= maxWidth && height <= maxHeight)
            {
                return (width, height);
            }
            double aspect = (double)width / height;
            int x = maxWidth, y = maxHeight;
            if ((double)x / y >= aspect)
            {
                double exact = y * aspect;
                x = Closest(exact, n => Math.Abs(aspect - (n / (double)y)));
            }
            else
            {
                double exact = x / aspect;
                y = Closest(exact, n => n == 0 ? double.MaxValue : Math.Abs(aspect - (x / (double)n)));
            }
            return (Math.Min(x, width), Math.Min(y, height));
        }

        /// <summary>Shrinks so the shorter side is at most <paramref name="shortSide"/> (aspect kept).</summary>
        public static (int Width, int Height) ShortSideAtMost(int width, int height, int shortSide)
        {
            if (Math.Min(width, height) <= shortSide)
            {
                return (width, height);
            }
            return width <= height
                ? FitWithin(width, height, shortSide, int.MaxValue)
                : FitWithin(width, height, int.MaxValue, shortSide);
        }

        private static int Closest(double exact, Func<int, double> error)
        {
            int lo = (int)Math.Floor(exact), hi = (int)Math.Ceiling(exact);
            int best = error(lo) <= error(hi) ? lo : hi;
            return Math.Max(best, 1);
        }
    }
}
