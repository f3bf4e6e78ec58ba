using System;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// A Skia codec over a managed byte array, pinned for the codec's lifetime so Skia reads the caller's bytes
    /// without a copy.
    /// </summary>
    internal sealed class SkiaSource : IDisposable
    {
        private GCHandle _pin;
        private SKData? _data;

        private SkiaSource(GCHandle pin, SKData data, SKCodec codec)
        {
            _pin = pin;
            _data = data;
            Codec = codec;
        }

        public SKCodec Codec { get; }

        /// <summary>Opens a codec, or returns null with Skia's reason.</summary>
        public static SkiaSource? Open(byte[] bytes, out SKCodecResult result)
        {
            GCHandle pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            SKData? data = null;
            try
            {
                data = SKData.Create(pin.AddrOfPinnedObject(), bytes.Length);
                var stream = new SKMemoryStream(data);
                SKCodec? codec = SKCodec.Create(stream, out result);
                if (codec is null)
                {
                    stream.Dispose();
                    data.Dispose();
                    pin.Free();
                    return null;
                }
                return new SkiaSource(pin, data, codec);
            }
            catch
            {
                data?.Dispose();
                if (pin.IsAllocated)
                {
                    pin.Free();
                }
                throw;
            }
        }

        public void Dispose()
        {
            Codec.Dispose();
            _data?.Dispose();
            _data = null;
            if (_pin.IsAllocated)
            {
                _pin.Free();
            }
        }
    }
}
