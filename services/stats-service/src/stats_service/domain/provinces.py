"""Thailand's 77 provinces by DOPA code, Thai and English names (from geothai 3.2, as pin-service uses).

The stats read model keeps only province codes (the catalogue events carry no names); the tables show
names. Provinces change rarely (Bueng Kan, 2011): tests/test_stats_provinces.py checks this table against
geothai whenever geothai is installed beside it.
"""

from typing import NamedTuple


class ProvinceName(NamedTuple):
    name_th: str
    name_en: str


PROVINCES: dict[str, ProvinceName] = {
    "10": ProvinceName("กรุงเทพมหานคร", "Bangkok"),
    "11": ProvinceName("สมุทรปราการ", "Samut Prakan"),
    "12": ProvinceName("นนทบุรี", "Nonthaburi"),
    "13": ProvinceName("ปทุมธานี", "Pathum Thani"),
    "14": ProvinceName("พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya"),
    "15": ProvinceName("อ่างทอง", "Ang Thong"),
    "16": ProvinceName("ลพบุรี", "Lop Buri"),
    "17": ProvinceName("สิงห์บุรี", "Sing Buri"),
    "18": ProvinceName("ชัยนาท", "Chai Nat"),
    "19": ProvinceName("สระบุรี", "Saraburi"),
    "20": ProvinceName("ชลบุรี", "Chon Buri"),
    "21": ProvinceName("ระยอง", "Rayong"),
    "22": ProvinceName("จันทบุรี", "Chanthaburi"),
    "23": ProvinceName("ตราด", "Trat"),
    "24": ProvinceName("ฉะเชิงเทรา", "Chachoengsao"),
    "25": ProvinceName("ปราจีนบุรี", "Prachin Buri"),
    "26": ProvinceName("นครนายก", "Nakhon Nayok"),
    "27": ProvinceName("สระแก้ว", "Sa Kaeo"),
    "30": ProvinceName("นครราชสีมา", "Nakhon Ratchasima"),
    "31": ProvinceName("บุรีรัมย์", "Buri Ram"),
    "32": ProvinceName("สุรินทร์", "Surin"),
    "33": ProvinceName("ศรีสะเกษ", "Si Sa Ket"),
    "34": ProvinceName("อุบลราชธานี", "Ubon Ratchathani"),
    "35": ProvinceName("ยโสธร", "Yasothon"),
    "36": ProvinceName("ชัยภูมิ", "Chaiyaphum"),
    "37": ProvinceName("อำนาจเจริญ", "Amnat Charoen"),
    "38": ProvinceName("บึงกาฬ", "Bueng Kan"),
    "39": ProvinceName("หนองบัวลำภู", "Nong Bua Lam Phu"),
    "40": ProvinceName("ขอนแก่น", "Khon Kaen"),
    "41": ProvinceName("อุดรธานี", "Udon Thani"),
    "42": ProvinceName("เลย", "Loei"),
    "43": ProvinceName("หนองคาย", "Nong Khai"),
    "44": ProvinceName("มหาสารคาม", "Maha Sarakham"),
    "45": ProvinceName("ร้อยเอ็ด", "Roi Et"),
    "46": ProvinceName("กาฬสินธุ์", "Kalasin"),
    "47": ProvinceName("สกลนคร", "Sakon Nakhon"),
    "48": ProvinceName("นครพนม", "Nakhon Phanom"),
    "49": ProvinceName("มุกดาหาร", "Mukdahan"),
    "50": ProvinceName("เชียงใหม่", "Chiang Mai"),
    "51": ProvinceName("ลำพูน", "Lamphun"),
    "52": ProvinceName("ลำปาง", "Lampang"),
    "53": ProvinceName("อุตรดิตถ์", "Uttaradit"),
    "54": ProvinceName("แพร่", "Phrae"),
    "55": ProvinceName("น่าน", "Nan"),
    "56": ProvinceName("พะเยา", "Phayao"),
    "57": ProvinceName("เชียงราย", "Chiang Rai"),
    "58": ProvinceName("แม่ฮ่องสอน", "Mae Hong Son"),
    "60": ProvinceName("นครสวรรค์", "Nakhon Sawan"),
    "61": ProvinceName("อุทัยธานี", "Uthai Thani"),
    "62": ProvinceName("กำแพงเพชร", "Kamphaeng Phet"),
    "63": ProvinceName("ตาก", "Tak"),
    "64": ProvinceName("สุโขทัย", "Sukhothai"),
    "65": ProvinceName("พิษณุโลก", "Phitsanulok"),
    "66": ProvinceName("พิจิตร", "Phichit"),
    "67": ProvinceName("เพชรบูรณ์", "Phetchabun"),
    "70": ProvinceName("ราชบุรี", "Ratchaburi"),
    "71": ProvinceName("กาญจนบุรี", "Kanchanaburi"),
    "72": ProvinceName("สุพรรณบุรี", "Suphan Buri"),
    "73": ProvinceName("นครปฐม", "Nakhon Pathom"),
    "74": ProvinceName("สมุทรสาคร", "Samut Sakhon"),
    "75": ProvinceName("สมุทรสงคราม", "Samut Songkhram"),
    "76": ProvinceName("เพชรบุรี", "Phetchaburi"),
    "77": ProvinceName("ประจวบคีรีขันธ์", "Prachuap Khiri Khan"),
    "80": ProvinceName("นครศรีธรรมราช", "Nakhon Si Thammarat"),
    "81": ProvinceName("กระบี่", "Krabi"),
    "82": ProvinceName("พังงา", "Phang-nga"),
    "83": ProvinceName("ภูเก็ต", "Phuket"),
    "84": ProvinceName("สุราษฎร์ธานี", "Surat Thani"),
    "85": ProvinceName("ระนอง", "Ranong"),
    "86": ProvinceName("ชุมพร", "Chumphon"),
    "90": ProvinceName("สงขลา", "Songkhla"),
    "91": ProvinceName("สตูล", "Satun"),
    "92": ProvinceName("ตรัง", "Trang"),
    "93": ProvinceName("พัทลุง", "Phatthalung"),
    "94": ProvinceName("ปัตตานี", "Pattani"),
    "95": ProvinceName("ยะลา", "Yala"),
    "96": ProvinceName("นราธิวาส", "Narathiwat"),
}


def province_name(code: str | None) -> ProvinceName | None:
    return PROVINCES.get(code) if code else None
