"""Name lexicon: family names, compound family names, and the syllables common in personal names.

Used to split names (a family-name list), to tell a second family name from a middle name, and
to notice a syllable whose diacritics are unlikely in a name ("Hông" where "Hồng" is meant).
The lists hold the usual written forms (tone on the first vowel of a final oa/oe/uy: "Hòa").
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The words of a whitespace-separated list."""
    return frozenset(text.split())


FAMILY_NAMES: frozenset[str] = _words(
    """
    Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương
    Trịnh Trương Đinh Lâm Phùng Mai Tô Hà Tạ Lưu Lương Chu Cao Châu Thái Quách La Lại Mạc
    Kiều Đồng Nghiêm Tăng Từ Tôn Thân Triệu Ninh Quan Diệp Hứa Khúc Lò Lục Mẫn Nông Ông Phó
    Phí Phương Tiêu Tống Trình Ứng Vi Giang Đàm Đậu Đèo Hầu Khổng Kim Lã Lạc Lỗ Lư Mã Mạch
    Nhữ Thạch Thiều Tiết Âu Bạch Bế Cù Doãn Đới Giáp Hàn Khương Khuất Liễu Ma Quản Sầm Thào
    Thiệu Trang Ung Uông Viên Xa Lăng Lạng Hoa Văn Đường Cấn Chử Lục Sái Tòng Lữ Âu Hùng
    Vòng Dư Mông Sùng Giàng Vàng Lầu Hạng Ksor Siu Rơ Niê Nay Rmah
    """
)

COMPOUND_FAMILY_NAMES: frozenset[str] = frozenset(
    {"Tôn Nữ", "Tôn Thất", "Nguyễn Phúc", "Âu Dương", "Công Tằng Tôn Nữ", "Tư Mã"}
)

# Family names that are far more often a middle name when they come second ("Nguyễn Hoàng
# Minh Anh"): a second syllable from this set is read as a middle name, not a family name.
MIDDLE_NAME_SURNAMES: frozenset[str] = _words(
    """
    Hoàng Phương Mai Thái Kim Hà Lâm Văn Giang Hoa Quan Ngọc Châu Trang Cao Diệp Ninh Tô
    Phùng Lương Hùng Đồng Thạch Vương Trình Dương Liễu Thân
    """
)

MIDDLE_NAMES: frozenset[str] = _words(
    """
    Văn Thị Hữu Đức Minh Ngọc Thanh Quang Hoàng Xuân Thu Kim Anh Hồng Gia Bảo Phương Tuấn
    Mạnh Công Đình Trọng Bá Quốc Thế Tiến Duy Khánh Nhật Hải Thành Mai Diệu Bích Thúy Thùy
    Hoài Tường Vĩnh Huy Trung Hà Lan Cẩm Mỹ Như Tú Bảo Khắc Viết Xuân Hạnh Thiên Phúc Tấn
    Đăng Nguyên Hoàn Chí Trí Tâm Thiện Hiếu Nhã Kiều Uyên Tuyết Yến Vân Hương Quỳnh Lệ Ánh
    Thảo Trà Diễm Tố Ái Huyền Hiền Thục Khải Đắc Phước Hồ Sỹ Sĩ Cao Trường Vũ Lâm An Việt
    Kỳ Thái Tùng Long Hùng Sơn Phi Lương Đại Tiểu Thúc Mộng Nam Bình Hòa Thái Ngân Châu Nữ
    """
)

GIVEN_NAMES: frozenset[str] = _words(
    """
    An Anh Ánh Ba Bảo Bắc Bích Bình Cảnh Cát Châu Chi Chiến Chính Chung Công Cúc Cường Dân
    Danh Diễm Diệp Diệu Doanh Dung Dũng Dương Duy Duyên Đại Đan Đạt Điệp Định Đông Đức
    Giang Giao Hà Hải Hạnh Hào Hân Hằng Hậu Hiền Hiển Hiệp Hiếu Hòa Hoài Hoan Hoàng Hồng
    Huệ Hùng Hưng Hương Hường Huy Huyền Khang Khanh Khánh Khoa Khôi Kiên Kiệt Kim Lam Lan
    Lâm Liên Liêm Liễu Linh Loan Lộc Lợi Long Luân Lực Ly Lý Mai Mạnh Minh My Mỹ Nam Nga
    Ngân Nghĩa Ngọc Nguyên Nguyệt Nhàn Nhân Nhi Nhung Như Ninh Oanh Phát Phong Phú Phúc
    Phụng Phương Phượng Quân Quang Quế Quốc Quý Quyên Quyết Quỳnh Sang Sáng Sơn Sương Tài
    Tâm Tân Tấn Thái Thanh Thành Thảo Thắng Thịnh Thoa Thông Thu Thủy Thùy Thúy Thư Thương
    Tiến Tiên Toàn Trang Trâm Trí Trinh Trọng Trúc Trung Tú Tuấn Tùng Tuyết Tường Uyên Vân
    Vi Việt Vinh Vĩnh Vũ Vy Xuân Yên Yến Hạ Đào Thơ Tín Lễ Nghị Khải Kỳ Hiệu Lương Lành
    Thảnh Thanh Chiêu Dịu Hoa Hợp Giàu Hòe Huân Huấn Hy Khiêm Khuê Lài Lệ Loan Lụa Mận Mến
    Miên Nhạn Nhẫn Nhiên Nhu Nương Phấn Phi Phước Quyền Sinh Sử Sỹ Sĩ Tạo Thạch Thăng Thân
    Thiện Thiết Thìn Thọ Thoại Thơm Thuần Thuận Thục Thuyên Thy Tĩnh Toản Trà Triều Triết
    Trường Tuệ Tuyền Tư Tự Ước Vượng Xoan Xuyến Ý Yêu Đoan Điền Điệp Đô Đồng Giáp Hiên
    Hòa Hoàn Hội Huyên Kha Khang Lạc Luyến Mây Mười Nghiệp Nhật Nhiệm Phát Phiên Phổ Quảng
    Sâm Sen Tài Thiêm Thiều Thoa Thuyết Tịnh Tòng Tới Trí Túc Tươi Tưởng Uy Vàng Vĩ Vọng
    Bách Ban Bằng Biên Bôn Cần Cẩn Chánh Chất Chức Chương Cương Dần Diện Du Dự Duẩn Đài
    Đảm Đăng Đẳng Điềm Độ Đoàn Được Gấm Hạc Hải Hàn Hanh Hảo Hiếu Hoạt Hoành Học Hồ Hơn
    Huấn Hữu Kế Khiết Khương Kiều Kính Lãm Lăng Lập Lịch Liệu Lĩnh Lưu Mẫn Mậu Minh Năng
    Nghi Ngà Ngôn Nhất Nho Phan Phẩm Phong Phục Quán Quí Quyến Sa Sáu Soạn Song Sửu Tạ
    Tám Tào Tấn Thạnh Thất Thế Thiệp Thuật Thức Tiệp Tính Toán Tô Trác Trãi Triệu Trượng
    Tuân Tụng Tuyên Văn Vận Viên Vịnh Vui Xinh Xương Yên Hoa Bông Bưởi Cam Chanh Cúc Đào
    Hồng Huệ Lan Lê Lựu Mai Mơ Na Ngà Nhài Quyên Sen Tuyết Lài Thắm Thêu Thiên Tình
    Tý Sửu Dần Mão Thìn Tỵ Ngọ Mùi Thân Dậu Tuất Hợi Giáp Ất Bính Đinh Mậu Kỷ Canh Tân Nhâm
    Quý Nụ Ngát Nhị Ngần Huế Thưởng Hưởng Nhuận Thao Vỹ Đạo Lân Luyện Hiếu Vương Đoàn Phụng
    """
)

NAME_SYLLABLES: frozenset[str] = frozenset(
    {s.lower() for s in FAMILY_NAMES | MIDDLE_NAMES | GIVEN_NAMES}
    | {part.lower() for name in COMPOUND_FAMILY_NAMES for part in name.split()}
)
