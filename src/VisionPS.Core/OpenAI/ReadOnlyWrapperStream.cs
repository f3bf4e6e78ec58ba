using System;
using System.IO;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// A forward-only, read-only view of an answer's body that watches what is read (<see cref="LineWatchStream"/>,
    /// the answer size limit): the parts of <see cref="Stream"/> such a view does not have, and disposing the body with
    /// it. Subclasses override the reads.
    /// </summary>
    internal abstract class ReadOnlyWrapperStream : Stream
    {
        protected ReadOnlyWrapperStream(Stream inner)
        {
            Inner = inner;
        }

        /// <summary>The body read through this view.</summary>
        protected Stream Inner { get; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
