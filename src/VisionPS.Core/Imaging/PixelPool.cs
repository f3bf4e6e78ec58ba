using System;
using System.Buffers;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Pixel memory for decode and resize buffers, rented from the shared array pool instead of fresh native
    /// allocations: a batch reuses a few large buffers rather than faulting in new pages for every image.
    /// </summary>
    internal static class PixelPool
    {
        /// <summary>A bitmap over pooled (uninitialised) memory; disposing the bitmap returns it.</summary>
        public static SKBitmap? Rent(SKImageInfo info)
        {
            long bytes = (long)info.RowBytes * info.Height;
            if (bytes <= 0 || bytes > int.MaxValue - 64)
            {
                return null;
            }
            byte[] array;
            try
            {
                array = ArrayPool<byte>.Shared.Rent((int)bytes);
            }
            catch (OutOfMemoryException)
            {
                return null;
            }
            GCHandle pin = GCHandle.Alloc(array, GCHandleType.Pinned);
            var bitmap = new SKBitmap();
            bool ok = bitmap.InstallPixels(info, pin.AddrOfPinnedObject(), info.RowBytes, (address, context) =>
            {
                var handle = (GCHandle)context!;
                byte[] owned = (byte[])handle.Target!;
                handle.Free();
                ArrayPool<byte>.Shared.Return(owned);
            }, pin);
            if (!ok)
            {
                bitmap.Dispose();
                if (pin.IsAllocated)
                {
                    pin.Free();
                    ArrayPool<byte>.Shared.Return(array);
                }
                return null;
            }
            return bitmap;
        }
    }
}
