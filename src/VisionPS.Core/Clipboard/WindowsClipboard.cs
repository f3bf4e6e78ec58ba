using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Threading;

namespace VisionPS.Core.Clipboard
{
    /// <summary>
    /// The Windows clipboard through user32/kernel32: the registered "PNG" format (what browsers and Office put there,
    /// with transparency), else <c>CF_DIBV5</c> or <c>CF_DIB</c> (what Win+Shift+S and Print Screen put there), which
    /// becomes a BMP file by adding the 14-byte file header. Built for Windows, not tested here (no Windows machine).
    /// </summary>
    internal static class WindowsClipboard
    {
        private const uint CfDib = 8;
        private const uint CfDibV5 = 17;

        internal static byte[] ReadImage(long maxBytes)
        {
            if (!OpenWithRetry())
            {
                throw new ClipboardException(ClipboardProblem.Unavailable,
                    $"The Windows clipboard is in use by another program (OpenClipboard failed: {new Win32Exception(Marshal.GetLastWin32Error()).Message}).");
            }
            try
            {
                uint png = RegisterClipboardFormat("PNG");
                if (png != 0 && IsClipboardFormatAvailable(png))
                {
                    return Copy(png, maxBytes, 0);
                }
                foreach (uint format in new[] { CfDibV5, CfDib })
                {
                    if (IsClipboardFormatAvailable(format))
                    {
                        return DibToBmp(Copy(format, maxBytes - 14, 14));
                    }
                }
                throw ClipboardImage.NoImage("the Windows clipboard");
            }
            finally
            {
                CloseClipboard();
            }
        }

        /// <summary>Prepends the BITMAPFILEHEADER a DIB lacks: "BM", file size, and where the pixels start.</summary>
        internal static byte[] DibToBmp(byte[] file)
        {
            // file = 14 free bytes + the DIB: BITMAPINFOHEADER (or V5), optional masks and palette, then pixels.
            int header = BitConverter.ToInt32(file, 14);
            int bitCount = BitConverter.ToUInt16(file, 14 + 14);
            int compression = BitConverter.ToInt32(file, 14 + 16);
            int colorsUsed = BitConverter.ToInt32(file, 14 + 32);
            int masks = header == 40 && compression == 3 ? 12 : header == 40 && compression == 6 ? 16 : 0; // BI_BITFIELDS, BI_ALPHABITFIELDS
            int palette = (colorsUsed != 0 ? colorsUsed : bitCount <= 8 ? 1 << bitCount : 0) * 4;
            int offset = 14 + header + masks + palette;
            file[0] = (byte)'B';
            file[1] = (byte)'M';
            BitConverter.GetBytes(file.Length).CopyTo(file, 2);
            BitConverter.GetBytes(offset).CopyTo(file, 10);
            return file;
        }

        private static bool OpenWithRetry()
        {
            for (int i = 0; i < 10; i++)
            {
                if (OpenClipboard(IntPtr.Zero))
                {
                    return true;
                }
                Thread.Sleep(50);
            }
            return false;
        }

        private static byte[] Copy(uint format, long maxBytes, int skip)
        {
            IntPtr handle = GetClipboardData(format);
            if (handle == IntPtr.Zero)
            {
                throw ClipboardImage.NoImage("the Windows clipboard");
            }
            long size = (long)GlobalSize(handle);
            if (size <= 0 || size > maxBytes)
            {
                throw size <= 0 ? ClipboardImage.NoImage("the Windows clipboard") : ClipboardImage.TooLarge(maxBytes);
            }
            IntPtr data = GlobalLock(handle);
            if (data == IntPtr.Zero)
            {
                throw new ClipboardException(ClipboardProblem.Unavailable, "The Windows clipboard's image could not be locked for reading.");
            }
            try
            {
                byte[] bytes = new byte[skip + size];
                Marshal.Copy(data, bytes, skip, (int)size);
                return bytes;
            }
            finally
            {
                GlobalUnlock(handle);
            }
        }

        [DllImport("user32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool OpenClipboard(IntPtr owner);

        [DllImport("user32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool CloseClipboard();

        [DllImport("user32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool IsClipboardFormatAvailable(uint format);

        [DllImport("user32.dll", SetLastError = true)]
        private static extern IntPtr GetClipboardData(uint format);

        [DllImport("user32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern uint RegisterClipboardFormat(string name);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern IntPtr GlobalLock(IntPtr handle);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GlobalUnlock(IntPtr handle);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern UIntPtr GlobalSize(IntPtr handle);
    }
}
